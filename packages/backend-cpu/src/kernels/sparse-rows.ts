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
      for (let b = lo; b < hi; b++) {
        acc.fill(0);
        for (let e = b * k; e < (b + 1) * k; e++) {
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

/** y[b, j] = Σ_c x[b, c] · W[idx[b, j], c] with x = a [B, d]; y [B, k]. */
export const SPARSE_DOT: ParallelKernel<RowsArgs> = {
  name: 'sparseDot',
  bind: (args) => (lo, hi) => {
    const { a: x, idx, w, out, n, d, k } = args;
    for (let b = lo; b < hi; b++) {
      const xo = b * d;
      for (let e = b * k; e < (b + 1) * k; e++)
        out[e] = dot(x, xo, w, indexAt('sparseDot', idx, e, n) * d, d);
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
