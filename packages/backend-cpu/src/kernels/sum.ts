import type { FloatArray, Shape } from '@saekit/core';
import { stridesOf } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';

export type SumKernel = (x: FloatArray, out: FloatArray) => void;

/** Outputs [lo, hi) of a row or column sum: how threads split one (each takes its own outputs). */
export type SumRangeKernel = (lo: number, hi: number, x: FloatArray, out: FloatArray) => void;

/** A sum over `axes` that threads can split by output, with its output count; undefined for other patterns. */
export function compileSumRange(
  shape: Shape,
  axes: readonly number[],
): { fn: SumRangeKernel; outputs: number } | undefined {
  const { dims, red } = merge(shape, axes);
  if (dims.length !== 2) return undefined;
  const [m, n] = dims;
  if (!red[0]) {
    // Row sums: each output is one contiguous row.
    const fn: SumRangeKernel = (lo, hi, x, out) => {
      for (let i = lo; i < hi; i++) {
        let s = 0;
        const o = i * n;
        for (let j = 0; j < n; j++) s += x[o + j];
        out[i] = s;
      }
    };
    return { fn, outputs: m };
  }
  // Column sums: each thread walks every row, over its own columns.
  const fn: SumRangeKernel = (lo, hi, x, out) => columnSums(x, out, m, n, lo, hi);
  return { fn, outputs: n };
}

/**
 * out[j] = Σ_i x[i·n + j] for the columns j in [lo, hi) of x [m,n]. Eight columns at a time, their
 * sums in float64 locals: one load and one add per value (accumulating in out cost a load and a
 * store more, and rounded a float32 out at every row), and rows are added in order, so a column's
 * sum does not depend on how columns are split over threads.
 */
function columnSums(x: FloatArray, out: FloatArray, m: number, n: number, lo: number, hi: number): void {
  const end = m * n;
  let j = lo;
  for (; j + 8 <= hi; j += 8) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let s4 = 0;
    let s5 = 0;
    let s6 = 0;
    let s7 = 0;
    for (let o = j; o < end; o += n) {
      s0 += x[o];
      s1 += x[o + 1];
      s2 += x[o + 2];
      s3 += x[o + 3];
      s4 += x[o + 4];
      s5 += x[o + 5];
      s6 += x[o + 6];
      s7 += x[o + 7];
    }
    out[j] = s0;
    out[j + 1] = s1;
    out[j + 2] = s2;
    out[j + 3] = s3;
    out[j + 4] = s4;
    out[j + 5] = s5;
    out[j + 6] = s6;
    out[j + 7] = s7;
  }
  for (; j < hi; j++) {
    let s = 0;
    for (let o = j; o < end; o += n) s += x[o];
    out[j] = s;
  }
}

/** [rows, columns] when summing `axes` of `shape` is a sum of each row of a 2-D view; else undefined. */
export function rowSumShape(shape: Shape, axes: readonly number[]): [number, number] | undefined {
  const { dims, red } = merge(shape, axes);
  return dims.length === 2 && !red[0] && red[1] ? [dims[0], dims[1]] : undefined;
}

/** Adjacent axes of the same kind (kept / reduced) merged; size-1 axes dropped. */
function merge(shape: Shape, axes: readonly number[]): { dims: number[]; red: boolean[] } {
  const dims: number[] = [];
  const red: boolean[] = [];
  shape.forEach((d, i) => {
    if (d === 1) return;
    const r = axes.includes(i);
    if (dims.length && red[red.length - 1] === r) dims[dims.length - 1] *= d;
    else {
      dims.push(d);
      red.push(r);
    }
  });
  return { dims, red };
}

/**
 * Sum over `axes`. Adjacent axes of the same kind (kept / reduced) are merged first, so the usual
 * cases are one of three loops: everything, trailing axes (row sums), leading axes (column sums).
 */
export function compileSum(shape: Shape, axes: readonly number[]): SumKernel {
  const { dims, red } = merge(shape, axes);
  const size = dims.reduce((a, b) => a * b, 1);
  const reduced = dims.filter((_, i) => red[i]).reduce((a, b) => a * b, 1);
  const kept = size / Math.max(reduced, 1);

  if (dims.length === 0 || red.every((r) => !r)) {
    return (x, out) => {
      for (let i = 0; i < size; i++) out[i] = x[i];
    };
  }
  if (red.every((r) => r)) {
    return (x, out) => {
      let s = 0;
      for (let i = 0; i < size; i++) s += x[i];
      out[0] = s;
    };
  }
  if (dims.length === 2 && !red[0]) {
    const [m, n] = dims;
    return (x, out) => {
      for (let i = 0; i < m; i++) {
        let s = 0;
        const o = i * n;
        for (let j = 0; j < n; j++) s += x[o + j];
        out[i] = s;
      }
    };
  }
  if (dims.length === 2 && red[0]) {
    const [m, n] = dims;
    return (x, out) => columnSums(x, out, m, n, 0, n);
  }
  // General case: walk the input in order, tracking the output offset of each element.
  const rank = dims.length;
  const outStrideOf = new Int32Array(rank);
  const keptDims = dims.filter((_, i) => !red[i]);
  const ks = stridesOf(keptDims);
  let kk = 0;
  for (let i = 0; i < rank; i++) outStrideOf[i] = red[i] ? 0 : ks[kk++];
  const idx = new Int32Array(rank);
  return (x, out) => {
    out.fill(0, 0, kept);
    idx.fill(0);
    let o = 0;
    for (let i = 0; i < size; i++) {
      out[o] += x[i];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        o += outStrideOf[d];
        if (idx[d] < dims[d]) break;
        o -= outStrideOf[d] * dims[d];
        idx[d] = 0;
      }
    }
  };
}

/** A row or column sum of x (of `shape`, over `axes`) into out: see compileSumRange. */
export interface SumArgs {
  readonly shape: Shape;
  readonly axes: readonly number[];
  readonly x: FloatArray;
  readonly out: FloatArray;
}

/** A row or column sum split by outputs. */
export const SUM: ParallelKernel<SumArgs> = {
  name: 'sum',
  bind: ({ shape, axes, x, out }) => {
    const k = compileSumRange(shape, axes);
    if (!k) throw new Error(`sum: [${shape.join(',')}] over [${axes.join(',')}] does not split by outputs`);
    const { fn } = k;
    return (lo, hi) => fn(lo, hi, x, out);
  },
};
