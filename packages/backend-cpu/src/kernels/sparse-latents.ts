import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { invertIndices } from './indices.js';
import { dot, dotPair } from './sparse-rows.js';

/*
 * The sparse code's products that are split by latents (rows of W [n, d]), not by rows of the
 * batch: their output is indexed by latent, and two rows of the batch may pick the same latent, so
 * a split by batch rows would have threads add into the same element. Each thread instead owns a
 * range of latents and finds the code entries that land in them (`invertIndices`), adding them in
 * increasing position: the same float64 sum, rounded once, on any number of threads. A latent no row picked costs a zero fill.
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

/**
 * What a latent-split sum reads: each entry e adds vals[e] · x[from[e], :] into output row at[e]
 * (the lists come from `invertIndices`). sparseOuter's `from` is e's row of the batch; cooMatmul's
 * its own source row (coo.ts).
 */
export interface EntrySums {
  readonly vals: FloatArray;
  readonly x: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly d: number;
}

/** Scratch of a latent-split kernel, made once per bind: the inverted index and each entry's source row. */
export function entryScratch(len: number, rows: number) {
  return {
    at: new Int32Array(len),
    start: new Int32Array(rows + 1),
    list: new Int32Array(len),
    from: new Int32Array(len),
  };
}

export type EntryScratch = ReturnType<typeof entryScratch>;

/** acc[ao + c] += vals[e] · x[from[e], c] for the entries e = list[t0, t1) of one output row. */
function addEntries(
  acc: Float64Array,
  ao: number,
  a: EntrySums,
  s: EntryScratch,
  t0: number,
  t1: number,
): void {
  const { vals, x, d } = a;
  const { list, from } = s;
  let t = t0;
  // Two entries a pass: one load and store of acc per two products; each acc element still adds
  // its terms in order of t, so the float64 sum is the same.
  for (; t + 2 <= t1; t += 2) {
    const e = list[t];
    const f = list[t + 1];
    const v = vals[e];
    const u = vals[f];
    const xo = from[e] * d;
    const yo = from[f] * d;
    let c = 0;
    for (; c + 4 <= d; c += 4) {
      const o = ao + c;
      const p = xo + c;
      const q = yo + c;
      acc[o] = acc[o] + v * x[p] + u * x[q];
      acc[o + 1] = acc[o + 1] + v * x[p + 1] + u * x[q + 1];
      acc[o + 2] = acc[o + 2] + v * x[p + 2] + u * x[q + 2];
      acc[o + 3] = acc[o + 3] + v * x[p + 3] + u * x[q + 3];
    }
    for (; c < d; c++) acc[ao + c] = acc[ao + c] + v * x[xo + c] + u * x[yo + c];
  }
  if (t < t1) {
    const e = list[t];
    const v = vals[e];
    const xo = from[e] * d;
    let c = 0;
    for (; c + 4 <= d; c += 4) {
      const o = ao + c;
      const p = xo + c;
      acc[o] += v * x[p];
      acc[o + 1] += v * x[p + 1];
      acc[o + 2] += v * x[p + 2];
      acc[o + 3] += v * x[p + 3];
    }
    for (; c < d; c++) acc[ao + c] += v * x[xo + c];
  }
}

/** Output rows [lo, hi) of y [n, d], each the float64 sum of its entries (zeros for none), rounded once. */
export function sumRows(a: EntrySums, s: EntryScratch, acc: Float64Array, lo: number, hi: number): void {
  const { out, d } = a;
  for (let r = lo; r < hi; r++) {
    const o = r * d;
    const t0 = s.start[r - lo];
    const t1 = s.start[r - lo + 1];
    if (t0 === t1) {
      out.fill(0, o, o + d);
      continue;
    }
    acc.fill(0);
    addEntries(acc, 0, a, s, t0, t1);
    let c = 0;
    for (; c + 4 <= d; c += 4) {
      out[o + c] = acc[c];
      out[o + c + 1] = acc[c + 1];
      out[o + c + 2] = acc[c + 2];
      out[o + c + 3] = acc[c + 3];
    }
    for (; c < d; c++) out[o + c] = acc[c];
  }
}

/**
 * Latents a transposed sum takes at a time: their columns of one output row fill a cache line.
 * write16T writes a whole block, so it is 16 latents wide.
 */
export const BLOCK = 16;

/**
 * sumRows written transposed, y [d, n]: a block of rows is summed as in sumRows (whole rows of x,
 * in order), then written down the columns of y: an add through an index per term would cost
 * several times as much. acc holds BLOCK rows.
 */
export function sumRowsT(a: EntrySums, s: EntryScratch, acc: Float64Array, lo: number, hi: number): void {
  const { out, n, d } = a;
  for (let r0 = lo; r0 < hi; r0 += BLOCK) {
    const r1 = Math.min(hi, r0 + BLOCK);
    acc.fill(0, 0, (r1 - r0) * d);
    for (let r = r0; r < r1; r++) addEntries(acc, (r - r0) * d, a, s, s.start[r - lo], s.start[r - lo + 1]);
    if (r1 - r0 === 16) write16T(out, acc, r0, n, d);
    else {
      for (let c = 0; c < d; c++) {
        const o = c * n;
        for (let r = r0; r < r1; r++) out[o + r] = acc[(r - r0) * d + c];
      }
    }
  }
}

/**
 * out[c·n + r0 + r] = acc[r·d + c] for 16 rows r of acc, sixteen stores a column with no inner loop
 * (V8 checks out's and acc's map and length every iteration of a loop).
 */
function write16T(out: FloatArray, acc: Float64Array, r0: number, n: number, d: number): void {
  for (let c = 0; c < d; c++) {
    const o = c * n + r0;
    out[o] = acc[c];
    out[o + 1] = acc[d + c];
    out[o + 2] = acc[2 * d + c];
    out[o + 3] = acc[3 * d + c];
    out[o + 4] = acc[4 * d + c];
    out[o + 5] = acc[5 * d + c];
    out[o + 6] = acc[6 * d + c];
    out[o + 7] = acc[7 * d + c];
    out[o + 8] = acc[8 * d + c];
    out[o + 9] = acc[9 * d + c];
    out[o + 10] = acc[10 * d + c];
    out[o + 11] = acc[11 * d + c];
    out[o + 12] = acc[12 * d + c];
    out[o + 13] = acc[13 * d + c];
    out[o + 14] = acc[14 * d + c];
    out[o + 15] = acc[15 * d + c];
  }
}

/** sparseOuter's scratch: an entry's source row is its row of the batch, fixed by the shape. */
function outerScratch(args: Code) {
  const s = entryScratch(args.len, args.n);
  for (let e = 0; e < args.len; e++) s.from[e] = (e / args.k) | 0;
  return s;
}

/** sparseOuter: y [n, d] = 0, then y[idx[b, j], :] += vals[b, j] · x[b, :]. Units: latents. */
export const SPARSE_OUTER: ParallelKernel<Code> = {
  name: 'sparseOuter',
  bind: (args) => {
    const s = outerScratch(args);
    const acc = new Float64Array(args.d);
    return (lo, hi) => {
      invertIndices('sparseOuter', args.idx, args.len, args.n, lo, hi, s.at, s.start, s.list);
      sumRows(args, s, acc, lo, hi);
    };
  },
};

/** sparseOuter, transposed: y [d, n], y[c, idx[b, j]] += vals[b, j] · x[b, c]. Units: latents. */
export const SPARSE_OUTER_T: ParallelKernel<Code> = {
  name: 'sparseOuterT',
  bind: (args) => {
    const s = outerScratch(args);
    const acc = new Float64Array(BLOCK * args.d);
    return (lo, hi) => {
      invertIndices('sparseOuter', args.idx, args.len, args.n, lo, hi, s.at, s.start, s.list);
      sumRowsT(args, s, acc, lo, hi);
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

/** Latents whose columns a transposed sparseDot copies at a time: their float64 copy fits L1. */
const DOT_BLOCK = 8;

/**
 * A block of DOT_BLOCK latents' columns of wT is copied at a time, reading each row of wT's block as
 * part of one cache line (a column at a time walks a page per element), then each picked latent's column
 * is dotted with every batch row that picked it. Each output entry belongs to one latent, so
 * threads write disjoint entries.
 */
export const SPARSE_DOT_T: ParallelKernel<DotTArgs> = {
  name: 'sparseDotT',
  bind: (args) => {
    const at = new Int32Array(args.len);
    const start = new Int32Array(args.n + 1);
    const list = new Int32Array(args.len);
    const cols = new Float64Array(DOT_BLOCK * args.d);
    return (lo, hi) => {
      const { x, idx, wT, out, n, d, k, len } = args;
      invertIndices('sparseDot', idx, len, n, lo, hi, at, start, list);
      for (let r0 = lo; r0 < hi; r0 += DOT_BLOCK) {
        const r1 = Math.min(hi, r0 + DOT_BLOCK);
        if (start[r0 - lo] === start[r1 - lo]) continue;
        const w = r1 - r0;
        for (let c = 0; c < d; c++) {
          const o = c * n + r0;
          for (let r = 0; r < w; r++) cols[r * d + c] = wT[o + r];
        }
        for (let r = r0; r < r1; r++) {
          const t1 = start[r - lo + 1];
          const co = (r - r0) * d;
          let t = start[r - lo];
          for (; t + 2 <= t1; t += 2) {
            const e = list[t];
            const f = list[t + 1];
            dotPair(cols, co, x, ((e / k) | 0) * d, ((f / k) | 0) * d, d, out, e, f);
          }
          if (t < t1) out[list[t]] = dot(x, ((list[t] / k) | 0) * d, cols, co, d);
        }
      }
    };
  },
};
