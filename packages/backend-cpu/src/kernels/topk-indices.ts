import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';

/*
 * The indices of each row's k largest values, best first: larger value first, at equal values the
 * lower index, NaN above +Inf (core's topkIndices). A min-heap of the k best so far, its root the
 * worst of them. The row is scanned in increasing index, so a value equal to the root's ranks below
 * it (its index is higher): `v > root` rejects almost every value when k ≪ n.
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
    return (lo, hi) => {
      const { x, out, n, k, bias } = args;
      const first = Math.min(k, n);
      for (let r = lo; r < hi; r++) {
        const off = r * n;
        // With a bias, each sum is rounded to float32 where it is read (Math.fround rounds as a
        // float32 store of the sum would), so the row is read once and no sums are stored.
        if (bias) {
          for (let j = 0; j < first; j++) siftUp(val, pos, j, Math.fround(x[off + j] + bias[j]), j);
          scanBiased(x, bias, off, n, first, val, pos);
        } else {
          for (let j = 0; j < first; j++) siftUp(val, pos, j, x[off + j], j);
          scan(x, off, n, first, val, pos);
        }
        popAll(val, pos, first, k, out, r * k);
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

/*
 * The scans: values [first, n) of a row, each entering the full heap of `first` if it ranks above
 * the root, whose value is kept in a local. NaN ranks above every number, so it enters unless the
 * root is NaN already (then the heap holds NaNs of lower index than any to come).
 *
 * Four values a test: `+!(v <= root)` is 1 for a value above the root or for NaN, without a branch,
 * so four rejected values cost one branch instead of two each (`v > root`, then the NaN test). A
 * group that may hold an entry is checked value by value; a NaN root sends every group there, and
 * the exact check decides.
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
  let j = first;
  for (; j + 4 <= n; j += 4) {
    const q = off + j;
    const hit = +!(x[q] <= root) | +!(x[q + 1] <= root) | +!(x[q + 2] <= root) | +!(x[q + 3] <= root);
    if (hit === 0) continue;
    for (let t = j; t < j + 4; t++) root = offer(val, pos, first, root, x[off + t], t);
  }
  for (; j < n; j++) root = offer(val, pos, first, root, x[off + j], j);
}

/** scan over the float32 sums x[off + j] + bias[j]. */
function scanBiased(
  x: FloatArray,
  bias: FloatArray,
  off: number,
  n: number,
  first: number,
  val: Float64Array,
  pos: Int32Array,
): void {
  let root = val[0];
  let j = first;
  for (; j + 4 <= n; j += 4) {
    const q = off + j;
    const hit =
      +!(Math.fround(x[q] + bias[j]) <= root) |
      +!(Math.fround(x[q + 1] + bias[j + 1]) <= root) |
      +!(Math.fround(x[q + 2] + bias[j + 2]) <= root) |
      +!(Math.fround(x[q + 3] + bias[j + 3]) <= root);
    if (hit === 0) continue;
    for (let t = j; t < j + 4; t++) root = offer(val, pos, first, root, Math.fround(x[off + t] + bias[t]), t);
  }
  for (; j < n; j++) root = offer(val, pos, first, root, Math.fround(x[off + j] + bias[j]), j);
}

/** Puts (v, j) in the heap if it ranks above the root (value `root`); returns the root's value. */
function offer(val: Float64Array, pos: Int32Array, size: number, root: number, v: number, j: number): number {
  if (v > root || (Number.isNaN(v) && !Number.isNaN(root))) {
    siftDown(val, pos, size, v, j);
    return val[0];
  }
  return root;
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
