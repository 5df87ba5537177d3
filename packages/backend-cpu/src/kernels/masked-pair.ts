import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { copyFinite } from './finite.js';

/*
 * A masked product and the product that shares its left operand, in one pass over that operand:
 *
 *   out1 = a·bᵀ where p > threshold, 0 elsewhere   (a [m,k], b [n,k]: masked-matmul.ts's product)
 *   out2 = hᵀ·a                                     (h [m,n]: an ordinary product, [n,k])
 *
 * In a sparse autoencoder's backward pass a = g (the gradient at the decoder's output), b = W_dec,
 * p = the encoder's pre-activation and h = relu(p): out1 is the gradient reaching the code, out2
 * the decoder's weight gradient. Both run over the same triples (row i, unit j that is on, column
 * q): one reads W_dec[j,q] into a dot product, the other adds h[i,j]·g[i,q] into the gradient's
 * [j,q]. One loop does both: g[i,q] is loaded once for the two, and W_dec[j,q] and the gradient's
 * [j,q] share one index and one bounds check, as b and the gradient have the same shape.
 *
 * out1 is exactly maskedMatmul's result (the same dot products in the same order; rows with a
 * non-finite value, or a non-finite b, computed in full). out2 skips a term h[i,j]·a[i,:] only when
 * h[i,j] = 0 and row i of a is all finite (the term is then ±0), so it is the dense product's sum
 * of the same terms. Its sums are float64, in row order, one partial per part of the rows (see
 * pairParts); `sumPartials` adds the parts' partials in part order and rounds once. The parts are
 * fixed by m alone and are the unit threads share, so a result does not depend on how many
 * threads computed it.
 */

/** b and the current part's out2 partial as float64 (same shape, so one index serves both). */
const CAP = 1 << 16;
const MASK = CAP - 1;
const PACK_B = new Float64Array(CAP + 8);
const ACC = new Float64Array(CAP + 8);
/** The current row of a as float64 (see masked-matmul.ts's ROW). */
const ROW = new Float64Array(CAP);
/** The units the current row works on: index, h value, and whether out1 keeps the entry. */
const UNIT = new Int32Array(1 << 14);
const HV = new Float64Array(1 << 14);
const KEPT = new Uint8Array(1 << 14);
const D = new Float64Array(4);

/**
 * Most rows in a part. A pair has at least two parts (two threads' worth: the seed batch of 256
 * rows is two parts of 128), more for taller a; each part's float64 partial costs a fill, a copy
 * and a read of n·k values, so parts are not made smaller than they need to be.
 */
export const PAIR_PART_ROWS = 128;

/** How many parts (and float64 partials of n·k) a pair over m rows has: a function of m alone. */
export function pairParts(m: number): number {
  return Math.max(2, Math.ceil(m / PAIR_PART_ROWS));
}

/** Rows of each part but the last (which may be shorter, or empty). */
export function partRows(m: number): number {
  return Math.ceil(m / pairParts(m));
}

/** Whether the shapes fit the kernel's scratch (b and out2 are [n,k]). */
export function maskedPairFits(n: number, k: number): boolean {
  return n * k <= CAP && n <= UNIT.length;
}

/** The pass over a: out1 (see masked-matmul.ts), and each part's out2 partial into `part`. */
export interface MaskedPairArgs {
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly p: Float32Array;
  readonly threshold: number;
  readonly h: Float32Array;
  readonly out1: Float32Array;
  /** float64, pairParts(m)·n·k: part i's partial at [i·n·k, (i + 1)·n·k). */
  readonly part: Float64Array;
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** The sum of a pair's partials: out = Σ_i part[i·len + e] (float64, part order, rounded once). */
export interface PairSumArgs {
  readonly part: Float64Array;
  readonly out: Float32Array;
  readonly len: number;
  readonly parts: number;
}

/** Parts [lo, hi) of the pass: out1's rows, and each part's out2 partial. */
export function maskedPairParts(args: MaskedPairArgs, lo: number, hi: number): void {
  const { a, b, p, threshold, h, out1, part, m, n, k } = args;
  if (!maskedPairFits(n, k)) throw new RangeError(`maskedPair: b [${n},${k}] exceeds the kernel's scratch`);
  const len = n * k;
  const bFinite = copyFinite(PACK_B, b, len);
  const rows = partRows(m);
  for (let c = lo; c < hi; c++) {
    ACC.fill(0, 0, len);
    const r1 = Math.min(m, (c + 1) * rows);
    for (let i = c * rows; i < r1; i++) pairRow(a, p, threshold, h, out1, i, n, k, bFinite);
    const o = c * len;
    const A = ACC; // a local: see quad
    for (let e = 0; e < len; e++) part[o + e] = A[e];
  }
}

/** Entries [lo, hi) of out2: the parts' partials added in part order, rounded once. */
export function sumPartials(args: PairSumArgs, lo: number, hi: number): void {
  const { part, out, len, parts } = args;
  if (parts === 2) {
    // The usual case, without the inner loop: it ran twice as long (the same sums, in the same order).
    for (let e = lo; e < hi; e++) out[e] = part[e] + part[len + e];
    return;
  }
  for (let e = lo; e < hi; e++) {
    let s = part[e];
    for (let c = 1; c < parts; c++) s += part[c * len + e];
    out[e] = s;
  }
}

/** The pass over a, split by parts. */
export const MASKED_PAIR: ParallelKernel<MaskedPairArgs> = {
  name: 'maskedPair',
  bind: (args) => (lo, hi) => maskedPairParts(args, lo, hi),
};

/** The sum of the partials, split by entries of out2. */
export const PAIR_SUM: ParallelKernel<PairSumArgs> = {
  name: 'pairSum',
  bind: (args) => (lo, hi) => sumPartials(args, lo, hi),
};

/** Row i of out1, and row i's terms of the current out2 partial (in ACC). */
function pairRow(
  a: FloatArray,
  p: FloatArray,
  threshold: number,
  h: FloatArray,
  out1: FloatArray,
  i: number,
  n: number,
  k: number,
  bFinite: boolean,
): void {
  const rowFinite = copyFinite(ROW, a, k, i * k);
  // A non-finite b or row of a: every entry of out1 (masked-matmul.ts), and every term of out2,
  // as 0·Inf = NaN where the dense product has it.
  const all = !bFinite || !rowFinite;
  const io = i * n;
  let units = 0;
  for (let j = 0; j < n; j++) {
    const kept = all || p[io + j] > threshold;
    const hv = h[io + j];
    if (!kept) out1[io + j] = 0;
    if (kept || hv !== 0) {
      UNIT[units] = j;
      HV[units] = hv;
      KEPT[units] = kept ? 1 : 0;
      units++;
    }
  }
  let t = 0;
  for (; t + 4 <= units; t += 4) {
    quad(
      UNIT[t] * k,
      UNIT[t + 1] * k,
      UNIT[t + 2] * k,
      UNIT[t + 3] * k,
      HV[t],
      HV[t + 1],
      HV[t + 2],
      HV[t + 3],
      k,
    );
    for (let c = 0; c < 4; c++) if (KEPT[t + c]) out1[io + UNIT[t + c]] = D[c];
  }
  for (; t < units; t++) {
    const d = single(UNIT[t] * k, HV[t], k);
    if (KEPT[t]) out1[io + UNIT[t]] = d;
  }
}

/**
 * Four units at once: D[c] = ROW · b[unit c, :], and ACC[unit c, :] += h_c · ROW (one load of
 * ROW feeds eight multiply-adds; b and ACC read at one index).
 */
function quad(
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  h0: number,
  h1: number,
  h2: number,
  h3: number,
  k: number,
): void {
  // Locals, not the module constants: V8 then drops the per-iteration map checks and reloads.
  const B = PACK_B;
  const A = ACC;
  const R = ROW;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let q = 0; q < k; q++) {
    const x = R[q & MASK];
    const i0 = (o0 + q) & MASK;
    const i1 = (o1 + q) & MASK;
    const i2 = (o2 + q) & MASK;
    const i3 = (o3 + q) & MASK;
    s0 += x * B[i0];
    A[i0] += h0 * x;
    s1 += x * B[i1];
    A[i1] += h1 * x;
    s2 += x * B[i2];
    A[i2] += h2 * x;
    s3 += x * B[i3];
    A[i3] += h3 * x;
  }
  D[0] = s0;
  D[1] = s1;
  D[2] = s2;
  D[3] = s3;
}

function single(o: number, hv: number, k: number): number {
  const B = PACK_B;
  const A = ACC;
  const R = ROW;
  let s = 0;
  for (let q = 0; q < k; q++) {
    const x = R[q & MASK];
    const i = (o + q) & MASK;
    s += x * B[i];
    A[i] += hv * x;
  }
  return s;
}
