/**
 * The thread pool's wire format. Each worker has a control block in shared memory: the main
 * thread writes a task id and bumps GEN (waking the worker); the worker runs its share and copies
 * GEN into DONE (waking the main thread). Tasks are registered once, at compile time, over a
 * MessagePort the worker drains synchronously, so a run sends no messages at all.
 */
export const CTRL = { GEN: 0, TASK: 1, DONE: 2, ERROR: 3 } as const;
export const CTRL_INTS = 4;
/** Messages on a worker's port, besides tasks. */
export type PoolMessage =
  | Task
  | { readonly release: number[] }
  | { readonly chunk: number; readonly buffer: SharedArrayBuffer };

/** Checks of a control word before a thread sleeps on it (figures: docs/performance.md). */
export const SPIN = 20_000;

/** TASK value that asks a worker to exit. */
export const EXIT_TASK = -1;

/** An array argument: `length` elements at byte `offset` of shared chunk `chunk`. */
export interface SharedRef {
  readonly shared: 'float32' | 'float64';
  readonly chunk: number;
  readonly offset: number;
  readonly length: number;
}

/** One worker's share of a split kernel: units [lo, hi) of kernel `kernel` (parallel/registry.ts). */
export interface Task {
  readonly id: number;
  readonly kernel: string;
  /** The kernel's arguments, packed (see `pack`). */
  readonly args: unknown;
  readonly lo: number;
  readonly hi: number;
  /**
   * Shared work: units [lo, hi) go out in pieces of `chunk` to whichever thread asks next, through
   * the counter (see `runChunks`), instead of this fixed range.
   */
  readonly shared?: { readonly chunk: number; readonly counter: SharedArrayBuffer };
}

/**
 * Runs f over units [0, units) in pieces of `chunk`, each piece taken by bumping `counter[0]`: every
 * thread of a shared task runs this until the pieces run out, so a thread slowed by other load
 * takes fewer of them. The counter is reset before each dispatch.
 */
export function runChunks(
  f: (lo: number, hi: number) => void,
  counter: Int32Array,
  chunk: number,
  units: number,
): void {
  for (let lo = Atomics.add(counter, 0, 1) * chunk; lo < units; lo = Atomics.add(counter, 0, 1) * chunk)
    f(lo, Math.min(units, lo + chunk));
}

/**
 * `args` for the wire: each typed array replaced by its SharedRef, at any depth of plain objects
 * and lists; everything else is copied as structured clone copies it.
 */
export function pack(args: unknown, ref: (v: Float32Array | Float64Array) => SharedRef): unknown {
  if (args instanceof Float32Array || args instanceof Float64Array) return ref(args);
  if (Array.isArray(args)) return args.map((x) => pack(x, ref));
  if (args !== null && typeof args === 'object')
    return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, pack(v, ref)]));
  return args;
}

/** The inverse of `pack`, given the shared chunks. */
export function unpack(packed: unknown, chunks: readonly SharedArrayBuffer[]): unknown {
  if (Array.isArray(packed)) return packed.map((x) => unpack(x, chunks));
  if (packed !== null && typeof packed === 'object') {
    if ('shared' in packed) {
      const r = packed as SharedRef;
      const chunk = chunks[r.chunk];
      return r.shared === 'float32'
        ? new Float32Array(chunk, r.offset, r.length)
        : new Float64Array(chunk, r.offset, r.length);
    }
    return Object.fromEntries(Object.entries(packed).map(([k, v]) => [k, unpack(v, chunks)]));
  }
  return packed;
}
