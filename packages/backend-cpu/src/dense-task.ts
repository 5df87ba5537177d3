import { MATMUL } from './kernels/matmul-auto.js';
import { availableThreads, ThreadPool } from './parallel/pool.js';
import { sharedRows } from './split.js';

/** A dense float32 product on its own pool, split as the backend splits it (see denseProductTask). */
export interface DenseProductTask {
  /** op(a) [m,k], b [k,n] and out [m,n], on the pool's shared memory: fill a and b, then run. */
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly out: Float32Array;
  /** out = a·b with `levels` of Strassen (0: the classical kernel). */
  run(levels: number): void;
  close(): void;
}

/**
 * @internal For benchmarks: a product [m,k]·[k,n] run exactly as a split matmul step runs it (same
 * kernel, pieces and pool), with the Strassen levels chosen by the caller, so variants can be timed
 * alternately in one process.
 */
export function denseProductTask(
  m: number,
  n: number,
  k: number,
  threads = availableThreads(),
): DenseProductTask {
  const pool = ThreadPool.create(Math.max(2, threads));
  if (!pool) throw new Error('denseProductTask: worker threads are unavailable');
  const a = pool.alloc(m * k, 'float32') as Float32Array;
  const b = pool.alloc(k * n, 'float32') as Float32Array;
  const out = pool.alloc(m * n, 'float32') as Float32Array;
  const chunk = sharedRows([m, n, k], pool.threads);
  const tasks = new Map<number, ReturnType<ThreadPool['plan']>>();
  const task = (levels: number) => {
    let t = tasks.get(levels);
    if (!t) {
      const args = { a, b, out, m, n, k, transA: false, transB: false, strassenLevels: levels };
      t = pool.plan(MATMUL, args, m, undefined, chunk);
      tasks.set(levels, t);
    }
    return t;
  };
  return {
    a,
    b,
    out,
    run: (levels) => task(levels).run(),
    close: () => {
      for (const t of tasks.values()) t.release();
      pool.close();
    },
  };
}
