import type { FloatArray } from '@saekit/core';

/*
 * Indices of the sparse TopK primitives arrive as float32-encoded integers (core's ops/sparse.ts),
 * usually from topkIndices, but a graph may feed them: every kernel reads them through `indexAt`,
 * so a bad one is an error naming the op and position, never a read or write outside a row.
 */

/** idx[e] as an integer in [0, n), or a RangeError naming the op, the position and the value. */
export function indexAt(op: string, idx: FloatArray, e: number, n: number): number {
  const v = idx[e];
  if (!(v >= 0 && v < n && v === Math.floor(v))) {
    throw new RangeError(`cpu ${op}: index ${v} at position ${e} is not an integer in [0, ${n})`);
  }
  return v | 0;
}

/**
 * Where each row of a latent range [lo, hi) is used: after the call, the positions e with
 * idx[e] = r are list[start[r − lo], start[r − lo + 1]), in increasing e (so sums over them run in
 * the order of the plain loop over e, whatever range a thread took). `at` receives idx as
 * integers; start holds hi − lo + 1 entries, list and at `len`. Every index is checked.
 */
export function invertIndices(
  op: string,
  idx: FloatArray,
  len: number,
  n: number,
  lo: number,
  hi: number,
  at: Int32Array,
  start: Int32Array,
  list: Int32Array,
): void {
  const rows = hi - lo;
  start.fill(0, 0, rows + 1);
  for (let e = 0; e < len; e++) {
    const r = indexAt(op, idx, e, n);
    at[e] = r;
    if (r >= lo && r < hi) start[r - lo + 1]++;
  }
  for (let r = 0; r < rows; r++) start[r + 1] += start[r];
  // Fill with start[r] as a cursor (it ends at the next row's start), then shift back.
  for (let e = 0; e < len; e++) {
    const r = at[e];
    if (r >= lo && r < hi) list[start[r - lo]++] = e;
  }
  for (let r = rows; r > 0; r--) start[r] = start[r - 1];
  start[0] = 0;
}
