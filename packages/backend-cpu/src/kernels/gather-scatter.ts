import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { indexAt } from './indices.js';

/*
 * gatherLast and scatterAddLast (core's ops/sparse.ts) along the last axis, split by rows: each
 * row of the output reads and writes only its own row, so threads never share an element.
 */

/** y[r, j] = x[r, idx[r, j]]: x [rows, n], idx and y [rows, k]. */
export interface GatherArgs {
  readonly x: FloatArray;
  readonly idx: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly k: number;
}

export const GATHER_LAST: ParallelKernel<GatherArgs> = {
  name: 'gatherLast',
  bind: (args) => (lo, hi) => {
    const { x, idx, out, n, k } = args;
    for (let r = lo; r < hi; r++) {
      for (let e = r * k; e < (r + 1) * k; e++) out[e] = x[r * n + indexAt('gatherLast', idx, e, n)];
    }
  },
};

/** y [rows, n] = 0, then y[r, idx[r, j]] += v[r, j]: v and idx [rows, k]. */
export interface ScatterArgs {
  readonly v: FloatArray;
  readonly idx: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly k: number;
}

export const SCATTER_ADD_LAST: ParallelKernel<ScatterArgs> = {
  name: 'scatterAddLast',
  bind: (args) => (lo, hi) => {
    const { v, idx, out, n, k } = args;
    out.fill(0, lo * n, hi * n);
    for (let r = lo; r < hi; r++) {
      for (let e = r * k; e < (r + 1) * k; e++) out[r * n + indexAt('scatterAddLast', idx, e, n)] += v[e];
    }
  },
};
