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

/** Checks of a control word before a thread sleeps on it (about 0.1 ms of spinning, measured). */
export const SPIN = 20_000;

/** TASK value that asks a worker to exit. */
export const EXIT_TASK = -1;

/** An operand: `length` elements at byte `offset` of shared chunk `chunk`. */
export interface SharedRef {
  readonly chunk: number;
  readonly offset: number;
  readonly length: number;
}

/** One worker's share of a node, with its operands in the pool's shared chunks. */
export type Task = MatmulTask | MaskedMatmulTask | MaskedPairTask | PairSumTask | ElementwiseTask | SumTask;

/** Rows [rowStart, rowEnd) of out = op(a)·op(b). */
export interface MatmulTask {
  readonly kind: 'matmul';
  readonly id: number;
  readonly dtype: 'float32' | 'float64';
  readonly a: SharedRef;
  readonly b: SharedRef;
  readonly out: SharedRef;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
  readonly rowStart: number;
  readonly rowEnd: number;
}

/** Rows [rowStart, rowEnd) of out = a·bᵀ at the entries where p > threshold (kernels/masked-matmul.ts). */
export interface MaskedMatmulTask {
  readonly kind: 'masked';
  readonly id: number;
  readonly dtype: 'float32' | 'float64';
  readonly a: SharedRef;
  readonly b: SharedRef;
  readonly p: SharedRef;
  readonly threshold: number;
  readonly out: SharedRef;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly rowStart: number;
  readonly rowEnd: number;
}

/**
 * Halves [h0, h1) of a masked pair (kernels/masked-pair.ts): out1's rows and each half's float64
 * out2 partial into `part` (a Float64Array, whatever `dtype`, which is the other operands').
 */
export interface MaskedPairTask {
  readonly kind: 'maskedPair';
  readonly id: number;
  readonly dtype: 'float32';
  readonly a: SharedRef;
  readonly b: SharedRef;
  readonly p: SharedRef;
  readonly threshold: number;
  readonly h: SharedRef;
  readonly out1: SharedRef;
  readonly part: SharedRef;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly h0: number;
  readonly h1: number;
}

/** Entries [lo, hi) of a masked pair's out2: the sum of its two partials (float64 `part`). */
export interface PairSumTask {
  readonly kind: 'pairSum';
  readonly id: number;
  readonly dtype: 'float32';
  readonly part: SharedRef;
  readonly out: SharedRef;
  readonly len: number;
  readonly lo: number;
  readonly hi: number;
}

/** Outer indices [lo, hi) of an elementwise loop (see kernels/elementwise.ts), compiled in the worker. */
export interface ElementwiseTask {
  readonly kind: 'elementwise';
  readonly id: number;
  readonly dtype: 'float32' | 'float64';
  readonly exprs: readonly string[];
  readonly storeOf: readonly number[];
  readonly rowSumOf: readonly number[];
  readonly outShape: readonly number[];
  readonly shapes: readonly (readonly number[])[];
  readonly fastMath: boolean;
  readonly outs: readonly SharedRef[];
  readonly operands: readonly SharedRef[];
  readonly lo: number;
  readonly hi: number;
}

/** Outputs [lo, hi) of a row or column sum (kernels/sum.ts compileSumRange). */
export interface SumTask {
  readonly kind: 'sum';
  readonly id: number;
  readonly dtype: 'float32' | 'float64';
  readonly shape: readonly number[];
  readonly axes: readonly number[];
  readonly x: SharedRef;
  readonly out: SharedRef;
  readonly lo: number;
  readonly hi: number;
}
