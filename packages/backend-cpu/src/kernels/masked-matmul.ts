import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { allFinite, copyFinite } from './finite.js';

/*
 * A product whose consumer keeps only some of its entries: out = a·bᵀ where the graph goes on to
 * multiply out by a 0/1 mask (mask[i,j] = p[i,j] > threshold). In a sparse autoencoder this is the
 * gradient reaching the hidden layer, g·W_decᵀ, which ReLU's derivative zeroes wherever the unit
 * was off: most of the product at realistic sparsity. Only the kept entries are computed, each a
 * float64 dot product of a row of a with a row of b; the others are written as 0.
 *
 * Why that is exact: the consumer multiplies each skipped entry by 0 (see masked.ts for the
 * pattern), and 0 times any finite value is the 0 this kernel writes. A dense product could only
 * differ where it is not finite, so a row of a with a non-finite value, or a b with one, is
 * computed in full (every entry, the same dot products). The one difference left: an entry whose
 * true value overflows float32 (|a·b| > 3.4e38) becomes Inf·0 = NaN in the dense graph and 0 here.
 * Each row depends only on its own data, so splitting rows over threads gives identical results.
 */

/**
 * b as float64, indices masked to the fixed capacity (+8 slack): V8 then knows their range, so
 * the index arithmetic needs no overflow checks (it still compares each index with the length:
 * this V8 keeps every typed-array bounds check, as its optimized code shows). Each kernel file
 * keeps its own: a scratch imported from another module is not a compile-time constant to V8, and
 * sharing one made these loops measurably slower.
 */
const CAP_B = 1 << 16;
const MASK_B = CAP_B - 1;
const PACK_B = new Float64Array(CAP_B + 8);
/** Columns kept in the current row. */
const KEEP = new Int32Array(1 << 14);
/**
 * The current row of a as float64 (k <= CAP_B, as n·k is): the dot products then read a scratch of
 * this module instead of the caller's array, whose every load V8 compiles with a map check, a
 * reload of its data pointer and a float32 conversion. One copy of the row serves all its kept
 * entries.
 */
const ROW = new Float64Array(CAP_B);

/** Whether b [n,k] fits the kernel's scratch (otherwise the product runs dense). */
export function maskedMatmulFits(n: number, k: number): boolean {
  return n * k <= CAP_B && n <= KEEP.length;
}

/** out[m,n] = a[m,k]·b[n,k]ᵀ where p[i,j] > threshold (p is [m,n]), 0 elsewhere. */
export interface MaskedMatmulArgs {
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly p: FloatArray;
  readonly threshold: number;
  readonly out: FloatArray;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** A masked product split by rows of out. */
export const MASKED_MATMUL: ParallelKernel<MaskedMatmulArgs> = {
  name: 'maskedMatmul',
  bind: (args) => (lo, hi) => maskedMatmul(args, lo, hi),
};

/**
 * Rows [rowStart, rowEnd) of out[m,n] = a[m,k] · b[n,k]ᵀ at the entries where p[i,j] > threshold
 * (all entries of a row when that row of a, or b, is not all finite); 0 elsewhere.
 */
export function maskedMatmul(args: MaskedMatmulArgs, rowStart = 0, rowEnd = args.m): void {
  const { a, b, p, threshold, out, n, k } = args;
  if (!maskedMatmulFits(n, k))
    throw new RangeError(`maskedMatmul: b [${n},${k}] exceeds the kernel's scratch`);
  const bFinite = copyFinite(PACK_B, b, n * k);
  for (let i = rowStart; i < rowEnd; i++) {
    const io = i * n;
    let kept = 0;
    for (let j = 0; j < n; j++) {
      if (!bFinite || p[io + j] > threshold) KEEP[kept++] = j;
      else out[io + j] = 0;
    }
    // With b finite, a non-finite value in row i makes every dot product of the row non-finite,
    // so the row needs a look of its own only when it has no kept entry to show it.
    if (kept > 0) copyFinite(ROW, a, k, i * k);
    const finite = kept > 0 ? dots(out, i, n, k, kept) : allFinite(a, i * k, i * k + k);
    if (!finite && kept < n) {
      if (kept === 0) copyFinite(ROW, a, k, i * k);
      for (let j = 0; j < n; j++) KEEP[j] = j;
      dots(out, i, n, k, n);
    }
  }
}

/** out[i, KEEP[t]] = ROW · b[KEEP[t],:] for t < kept (ROW holds row i of a); returns whether all were finite. */
function dots(out: FloatArray, i: number, n: number, k: number, kept: number): boolean {
  const io = i * n;
  let s = 0;
  let t = 0;
  for (; t + 4 <= kept; t += 4) {
    const j0 = KEEP[t];
    const j1 = KEEP[t + 1];
    const j2 = KEEP[t + 2];
    const j3 = KEEP[t + 3];
    dot4(j0 * k, j1 * k, j2 * k, j3 * k, k);
    out[io + j0] = D[0];
    out[io + j1] = D[1];
    out[io + j2] = D[2];
    out[io + j3] = D[3];
    s += D[0] + D[1] + D[2] + D[3];
  }
  for (; t < kept; t++) {
    const j = KEEP[t];
    const d = dot1(j * k, k);
    out[io + j] = d;
    s += d;
  }
  // s is a float64 sum of float64 dot products of float32 data: it overflows only if one of them is not finite.
  return Number.isFinite(s);
}

const D = new Float64Array(4);

/** D[c] = Σ_q ROW[q] · PACK_B[oc + q] for four rows of b at once (one load of ROW feeds four sums). */
function dot4(o0: number, o1: number, o2: number, o3: number, k: number): void {
  // Locals: V8 then drops the per-iteration map checks and length reloads.
  const B = PACK_B;
  const R = ROW;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let q = 0; q < k; q++) {
    const x = R[q & MASK_B];
    s0 += x * B[(o0 + q) & MASK_B];
    s1 += x * B[(o1 + q) & MASK_B];
    s2 += x * B[(o2 + q) & MASK_B];
    s3 += x * B[(o3 + q) & MASK_B];
  }
  D[0] = s0;
  D[1] = s1;
  D[2] = s2;
  D[3] = s3;
}

function dot1(o: number, k: number): number {
  const B = PACK_B;
  const R = ROW;
  let s = 0;
  for (let q = 0; q < k; q++) s += R[q & MASK_B] * B[(o + q) & MASK_B];
  return s;
}
