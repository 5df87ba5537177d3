import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { indexAt } from './indices.js';

/*
 * gatherLast and scatterAddLast (core's ops/sparse.ts) along the last axis, split by rows: each
 * row of the output reads and writes only its own row, so threads never share an element.
 */

/** Rows of [rows, n] (`n`) and of [rows, k] (`k`): `x` is the operand, idx [rows, k] the indices. */
export interface LastAxisArgs {
  readonly x: FloatArray;
  readonly idx: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly k: number;
}

/** y[r, j] = x[r, idx[r, j]]: x [rows, n], idx and y [rows, k]. */
export const GATHER_LAST: ParallelKernel<LastAxisArgs> = {
  name: 'gatherLast',
  bind: (args) => (lo, hi) => {
    const { x, idx, out, n, k } = args;
    for (let r = lo; r < hi; r++) {
      for (let e = r * k; e < (r + 1) * k; e++) out[e] = x[r * n + indexAt('gatherLast', idx, e, n)];
    }
  },
};

/** y [rows, n] = 0, then y[r, idx[r, j]] += x[r, j]: x and idx [rows, k]. */
export const SCATTER_ADD_LAST: ParallelKernel<LastAxisArgs> = {
  name: 'scatterAddLast',
  bind: (args) => (lo, hi) => {
    const { x: v, idx, out, n, k } = args;
    out.fill(0, lo * n, hi * n);
    for (let r = lo; r < hi; r++) {
      for (let e = r * k; e < (r + 1) * k; e++) out[r * n + indexAt('scatterAddLast', idx, e, n)] += v[e];
    }
  },
};
