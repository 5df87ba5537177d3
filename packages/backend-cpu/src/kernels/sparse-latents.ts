import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { indexAt, invertIndices } from './indices.js';
import { dot } from './sparse-rows.js';

/*
 * The sparse code's products that are split by latents (rows of W [n, d]) or by the d columns,
 * not by rows of the batch: their output is indexed by latent, and two rows of the batch may pick
 * the same latent, so a split by batch rows would have threads add into the same element. Each
 * thread instead owns whole output rows and finds the code entries that land in them
 * (`invertIndices`, or a scan of every entry), adding them in increasing position: the same
 * float64 sum, rounded once, on any number of threads. A latent no row picked costs a zero fill.
 *
 * The `…T` forms take W or give the result transposed: the TopK SAE's encoder reads W_enc [d, n]
 * through a transpose, and its gradient leaves through one; folding the transpose into the kernel
 * (see fold.ts) saves a copy of the whole matrix each way.
 */

/** The sparse code and its batch: vals, idx [B, k]; x [B, d]. */
interface Code {
  readonly vals: FloatArray;
  readonly idx: FloatArray;
  readonly x: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  /** B·k. */
  readonly len: number;
}

/** Scratch of a latent-split kernel, made once per bind. */
function scratch(args: Code, rows: number) {
  return {
    at: new Int32Array(args.len),
    start: new Int32Array(rows + 1),
    list: new Int32Array(args.len),
  };
}

/** sparseOuter: y [n, d] = 0, then y[idx[b, j], :] += vals[b, j] · x[b, :]. Units: latents. */
export const SPARSE_OUTER: ParallelKernel<Code> = {
  name: 'sparseOuter',
  bind: (args) => {
    const s = scratch(args, args.n);
    const acc = new Float64Array(args.d);
    return (lo, hi) => {
      const { vals, idx, x, out, n, d, k, len } = args;
      invertIndices('sparseOuter', idx, len, n, lo, hi, s.at, s.start, s.list);
      for (let r = lo; r < hi; r++) {
        const o = r * d;
        const t0 = s.start[r - lo];
        const t1 = s.start[r - lo + 1];
        if (t0 === t1) {
          out.fill(0, o, o + d);
          continue;
        }
        acc.fill(0);
        for (let t = t0; t < t1; t++) {
          const e = s.list[t];
          const v = vals[e];
          const xo = ((e / k) | 0) * d;
          for (let c = 0; c < d; c++) acc[c] += v * x[xo + c];
        }
        for (let c = 0; c < d; c++) out[o + c] = acc[c];
      }
    };
  },
};

/** sparseOuter, transposed: y [d, n], y[c, idx[b, j]] += vals[b, j] · x[b, c]. Units: the d rows. */
export const SPARSE_OUTER_T: ParallelKernel<Code> = {
  name: 'sparseOuterT',
  bind: (args) => {
    const acc = new Float64Array(args.n);
    const at = new Int32Array(args.len);
    return (lo, hi) => {
      const { vals, idx, x, out, n, d, k, len } = args;
      for (let e = 0; e < len; e++) at[e] = indexAt('sparseOuter', idx, e, n);
      const rows = len / k;
      for (let c = lo; c < hi; c++) {
        acc.fill(0);
        for (let b = 0; b < rows; b++) {
          const xv = x[b * d + c];
          for (let e = b * k; e < (b + 1) * k; e++) acc[at[e]] += vals[e] * xv;
        }
        const o = c * n;
        for (let r = 0; r < n; r++) out[o + r] = acc[r];
      }
    };
  },
};

/** sparseDot with W given transposed, wT [d, n]: y[b, j] = Σ_c x[b, c] · wT[c, idx[b, j]]. Units: latents. */
export interface DotTArgs {
  readonly x: FloatArray;
  readonly idx: FloatArray;
  readonly wT: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly len: number;
}

/**
 * Each picked latent's column of wT is copied once (a strided walk; consecutive latents share
 * cache lines, so a thread's range reads wT about once) and dotted with every batch row that
 * picked it. Each output entry belongs to one latent, so threads write disjoint entries.
 */
export const SPARSE_DOT_T: ParallelKernel<DotTArgs> = {
  name: 'sparseDotT',
  bind: (args) => {
    const at = new Int32Array(args.len);
    const start = new Int32Array(args.n + 1);
    const list = new Int32Array(args.len);
    const col = new Float64Array(args.d);
    return (lo, hi) => {
      const { x, idx, wT, out, n, d, k, len } = args;
      invertIndices('sparseDot', idx, len, n, lo, hi, at, start, list);
      for (let r = lo; r < hi; r++) {
        const t0 = start[r - lo];
        const t1 = start[r - lo + 1];
        if (t0 === t1) continue;
        for (let c = 0; c < d; c++) col[c] = wT[c * n + r];
        for (let t = t0; t < t1; t++) {
          const e = list[t];
          out[e] = dot(x, ((e / k) | 0) * d, col, 0, d);
        }
      }
    };
  },
};
