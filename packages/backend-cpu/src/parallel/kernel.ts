/**
 * A kernel the thread pool can split: its arguments (a plain object whose arrays live on the pool's
 * shared memory) and a range of its units, such as rows of a product. The calling thread and every
 * worker run the same `bind`, so a kernel is written once, in its own module, and the pool only
 * moves arguments and ranges (see registry.ts for the list the workers know).
 */
export interface ParallelKernel<A> {
  /** The name a worker looks the kernel up by. */
  readonly name: string;
  /** The kernel with `args` fixed (and anything derived from them prepared), over units [lo, hi). */
  bind(args: A): (lo: number, hi: number) => void;
}
