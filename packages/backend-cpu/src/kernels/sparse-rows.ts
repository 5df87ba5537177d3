import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { indexAt } from './indices.js';

/*
 * The sparse code's products split by rows of the batch (core's ops/sparse-products.ts): row b of
 * the code (k values, k indices into the n rows of W [n, d]) gives row b of the output alone.
 * Sums are float64, rounded once; no term is skipped (a zero value times an Inf weight is NaN, as
 * in the dense product).
 */

/** A batch-side operand `a` (the code's values [B, k], or x [B, d]), idx [B, k], W [n, d]. */
export interface RowsArgs {
  readonly a: FloatArray;
  readonly idx: FloatArray;
  readonly w: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly d: number;
  readonly k: number;
}

/** y[b, :] = Σ_j vals[b, j] · W[idx[b, j], :] with vals = a [B, k]; y [B, d]. */
export const SPARSE_MATMUL: ParallelKernel<RowsArgs> = {
  name: 'sparseMatmul',
  bind: (args) => {
    const acc = new Float64Array(args.d);
    return (lo, hi) => {
      const { a: vals, idx, w, out, n, d, k } = args;
      if (k === 1) {
        oneRowEach(args, lo, hi);
        return;
      }
      for (let b = lo; b < hi; b++) {
        acc.fill(0);
        const end = (b + 1) * k;
        let e = b * k;
        // Four rows of W a pass: one load and store of acc per four products instead of per one.
        // Each acc[c] still adds its terms in order of e, so the float64 sum is the same.
        for (; e + 4 <= end; e += 4) {
          const v0 = vals[e];
          const v1 = vals[e + 1];
          const v2 = vals[e + 2];
          const v3 = vals[e + 3];
          const r0 = indexAt('sparseMatmul', idx, e, n) * d;
          const r1 = indexAt('sparseMatmul', idx, e + 1, n) * d;
          const r2 = indexAt('sparseMatmul', idx, e + 2, n) * d;
          const r3 = indexAt('sparseMatmul', idx, e + 3, n) * d;
          for (let c = 0; c < d; c++)
            acc[c] = acc[c] + v0 * w[r0 + c] + v1 * w[r1 + c] + v2 * w[r2 + c] + v3 * w[r3 + c];
        }
        for (; e < end; e++) {
          const v = vals[e];
          const row = indexAt('sparseMatmul', idx, e, n) * d;
          for (let c = 0; c < d; c++) acc[c] += v * w[row + c];
        }
        const o = b * d;
        for (let c = 0; c < d; c++) out[o + c] = acc[c];
      }
    };
  },
};

/**
 * sparseMatmul with one entry a row (BatchTopK's flat code, [K, 1]: a scaled row of W each):
 * y[b, :] = 0 + vals[b] · W[idx[b], :], the float64 sum of the general loop without its scratch
 * (the 0 + keeps its sign of zero).
 */
function oneRowEach({ a: vals, idx, w, out, n, d }: RowsArgs, lo: number, hi: number): void {
  for (let b = lo; b < hi; b++) {
    const v = vals[b];
    const row = indexAt('sparseMatmul', idx, b, n) * d;
    const o = b * d;
    for (let c = 0; c < d; c++) out[o + c] = 0 + v * w[row + c];
  }
}

/** y[b, j] = Σ_c x[b, c] · W[idx[b, j], c] with x = a [B, d]; y [B, k]. */
export const SPARSE_DOT: ParallelKernel<RowsArgs> = {
  name: 'sparseDot',
  bind: (args) => (lo, hi) => {
    const { a: x, idx, w, out, n, d, k } = args;
    for (let b = lo; b < hi; b++) {
      const xo = b * d;
      const end = (b + 1) * k;
      let e = b * k;
      // Two rows of W a pass share each load of x.
      for (; e + 2 <= end; e += 2) {
        const p = indexAt('sparseDot', idx, e, n) * d;
        dotPair(x, xo, w, p, indexAt('sparseDot', idx, e + 1, n) * d, d, out, e, e + 1);
      }
      if (e < end) out[e] = dot(x, xo, w, indexAt('sparseDot', idx, e, n) * d, d);
    }
  },
};

/** Σ_c a[ao + c] · b[bo + c] for c < d in float64; two sums, so the adds overlap. */
export function dot(a: FloatArray, ao: number, b: FloatArray, bo: number, d: number): number {
  let s0 = 0;
  let s1 = 0;
  let c = 0;
  for (; c + 2 <= d; c += 2) {
    s0 += a[ao + c] * b[bo + c];
    s1 += a[ao + c + 1] * b[bo + c + 1];
  }
  if (c < d) s0 += a[ao + c] * b[bo + c];
  return s0 + s1;
}

/**
 * out[e] = s[so..]·t[p..] and out[f] = s[so..]·t[q..] over d values, sharing each load of s; each
 * sum as dot() forms it (two sums, even and odd terms, in order).
 */
export function dotPair(
  s: FloatArray,
  so: number,
  t: FloatArray,
  p: number,
  q: number,
  d: number,
  out: FloatArray,
  e: number,
  f: number,
): void {
  let p0 = 0;
  let p1 = 0;
  let q0 = 0;
  let q1 = 0;
  let c = 0;
  for (; c + 2 <= d; c += 2) {
    const s0 = s[so + c];
    const s1 = s[so + c + 1];
    p0 += s0 * t[p + c];
    p1 += s1 * t[p + c + 1];
    q0 += s0 * t[q + c];
    q1 += s1 * t[q + c + 1];
  }
  if (c < d) {
    p0 += s[so + c] * t[p + c];
    q0 += s[so + c] * t[q + c];
  }
  out[e] = p0 + p1;
  out[f] = q0 + q1;
}
