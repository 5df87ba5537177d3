import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';

/*
 * The indices of each row's k largest values, best first: larger value first, at equal values the
 * lower index, NaN above +Inf (core's topkIndices). A min-heap of the k best so far, its root the
 * worst of them. The row is scanned in increasing index, so a value equal to the root's ranks below
 * it (its index is higher): one compare, `v > root`, rejects almost every value when k ≪ n.
 */

export interface TopkIndicesArgs {
  readonly x: FloatArray;
  /** [rows, k] indices as floats. */
  readonly out: FloatArray;
  /** Row length. */
  readonly n: number;
  readonly k: number;
  /**
   * A row vector [n] to add to every row first, each sum rounded to float32 (fold-bias.ts): the
   * indices are those of topkIndices over the float32 sums.
   */
  readonly bias?: FloatArray;
}

/** Rows [lo, hi); the heap is made once per bind, so a run allocates nothing. */
export const TOPK_INDICES: ParallelKernel<TopkIndicesArgs> = {
  name: 'topkIndices',
  bind: (args) => {
    const val = new Float64Array(args.k);
    const pos = new Int32Array(args.k);
    // With a bias, each row's sums are formed here first: the float32 store rounds them as the
    // sum's own buffer would, and the row stays in cache for the scan.
    const sums = args.bias ? new Float32Array(args.n) : undefined;
    return (lo, hi) => {
      const { x, out, n, k, bias } = args;
      for (let r = lo; r < hi; r++) {
        let row: FloatArray = x;
        let off = r * n;
        if (bias && sums) {
          for (let j = 0; j < n; j++) sums[j] = x[off + j] + bias[j];
          row = sums;
          off = 0;
        }
        topkOfRow(row, off, n, k, val, pos, out, r * k);
      }
    };
  },
};

/** Whether (va, ia) ranks above (vb, ib). */
function above(va: number, ia: number, vb: number, ib: number): boolean {
  if (Number.isNaN(va)) return Number.isNaN(vb) ? ia < ib : true;
  if (Number.isNaN(vb)) return false;
  return va > vb || (va === vb && ia < ib);
}

function topkOfRow(
  x: FloatArray,
  off: number,
  n: number,
  k: number,
  val: Float64Array,
  pos: Int32Array,
  out: FloatArray,
  o: number,
): void {
  const first = Math.min(k, n);
  for (let j = 0; j < first; j++) siftUp(val, pos, j, x[off + j], j);
  scan(x, off, n, first, val, pos);
  popAll(val, pos, first, k, out, o);
}

/**
 * Values [first, n) of the row at x[off]: each enters the full heap of `first` if it ranks above
 * the root. The root is kept in a local, so the common case is a load and one compare that fails.
 * NaN ranks above every number, so it enters unless the root is NaN already (then the heap holds
 * NaNs of lower index than any to come).
 */
function scan(
  x: FloatArray,
  off: number,
  n: number,
  first: number,
  val: Float64Array,
  pos: Int32Array,
): void {
  let root = val[0];
  const end = off + n;
  for (let q = off + first; q < end; q++) {
    const v = x[q];
    if (v > root) {
      siftDown(val, pos, first, v, q - off);
      root = val[0];
    } else if (Number.isNaN(v) && !Number.isNaN(root)) {
      siftDown(val, pos, first, v, q - off);
      root = val[0];
    }
  }
}

/** Writes the heap's `size` positions into out[o, o + k), best first (the worst is popped first). */
function popAll(
  val: Float64Array,
  pos: Int32Array,
  size: number,
  k: number,
  out: FloatArray,
  o: number,
): void {
  for (let t = k - 1; t >= 0; t--) {
    out[o + t] = pos[0];
    size--;
    siftDown(val, pos, size, val[size], pos[size]);
  }
}

/** Inserts (v, j) at the new last place i of the heap (root: the lowest ranked). */
function siftUp(val: Float64Array, pos: Int32Array, i: number, v: number, j: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!above(val[p], pos[p], v, j)) break;
    val[i] = val[p];
    pos[i] = pos[p];
    i = p;
  }
  val[i] = v;
  pos[i] = j;
}

/** Replaces the root of the heap [0, size) by (v, j). */
function siftDown(val: Float64Array, pos: Int32Array, size: number, v: number, j: number): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && above(val[c], pos[c], val[c + 1], pos[c + 1])) c++;
    if (!above(v, j, val[c], pos[c])) break;
    val[i] = val[c];
    pos[i] = pos[c];
    i = c;
  }
  val[i] = v;
  pos[i] = j;
}
