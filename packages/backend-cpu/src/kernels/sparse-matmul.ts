import type { FloatArray } from '@saekit/core';
import { allFinite, copyFinite } from './finite.js';
import type { MatmulArgs } from './matmul.js';

/*
 * Zero-skipping matrix multiply for a sparse left operand, pure JavaScript.
 *
 * Why: in a sparse autoencoder two of the three operands of every product are mostly zeros: the
 * input (MNIST pixels are ~80% zero) and the ReLU/TopK code (half zero at initialisation, ~75–80%
 * once the sparsity penalty bites). out = op(a)·b is then a sum over the non-zeros of each row of
 * op(a) only:
 *
 *   out[i, :] = Σ_{p : op(a)[i,p] ≠ 0}  op(a)[i,p] · b[p, :]
 *
 * Each output row gathers its non-zeros (value, row offset into b) into small scratch arrays, then
 * sweeps b's selected rows eight columns at a time with the eight sums in local variables
 * (registers), so one gathered value feeds eight multiply-adds. Dense, the packed kernel in
 * matmul.ts still wins (fewer loads per flop), so this kernel only takes products whose op(a) is
 * sparse enough; `matmul` takes the rest.
 *
 * Exactness: skipping a zero term only drops `0·b[p,j]`, which is ±0 unless b[p,j] is Inf or NaN
 * (then it is NaN). So the kernel declines whenever b holds a non-finite value, and otherwise gives
 * what a float64-accumulated dense product gives (the same non-zero terms in the same order; sums
 * are float64 and rounded once). A b small enough to pack is checked as it is packed. A larger one
 * is checked through the result instead, which is 1/4–1/8 of its size in a seed step: every row of
 * b that the sweep read met a finite non-zero, so a non-finite value in it made an output
 * non-finite; so b is all finite when the rows computed are and the rows of b not read are (rarely
 * any). Whether a product is "sparse enough" is decided from a fixed sample of op(a), the same for
 * every thread, and each output row is computed by itself, so splitting rows over threads gives
 * bit-identical results.
 *
 * Float32 only: the float64 reference backend keeps the plain dense kernel, so conformance compares
 * this kernel against an independent implementation.
 */

/**
 * The largest density of op(a) for which the zero-skipping kernel beats the packed one, for b with
 * n columns, measured on x64 with unstructured zeros (the worst case: image zeros come in runs,
 * which the gather skips cheaply). Gathering costs about as much as a sweep over ~20 columns, so
 * narrow products break even at a lower density (figures: docs/performance.md).
 */
export function sparseMaxDensity(n: number, bValues = 0): number {
  if (bValues > CACHED_B) return LARGE_B_MAX_DENSITY;
  return n >= 256 ? 0.5 : 0.3;
}
/**
 * Values of b (float32) past which b no longer stays in a core's L2 cache from one output row to
 * the next: each row then reads its rows of b from memory, and the sweep loses to the dense kernel
 * (Strassen at these sizes) from a lower density, measured on a JumpReLU SAE's decoder product
 * [1024, 16384]·[16384, 768] (docs/performance.md).
 */
const CACHED_B = 1 << 18;
const LARGE_B_MAX_DENSITY = 0.2;
/**
 * Values of b that directRow's sweeps read per chunk of a row's non-zeros: the chunk's rows of b
 * stay in L2 across the row's strips of 8 columns, where a sweep over all of them (thousands of
 * rows of a large b) went back to memory for every strip.
 */
const CHUNK_VALUES = 1 << 16;
/** directRow's float64 sums of one output row across chunks; grown to the widest b read in place. */
let ROW_SUMS = new Float64Array(1024);
/** Gathered non-zeros of the rows a call computes (values; row offsets into the packed b). */
const CAP_NZ = 1 << 18;
const MASK_NZ = CAP_NZ - 1;
const VAL = new Float64Array(CAP_NZ);
const OFF = new Int32Array(CAP_NZ);
/** Where each row's non-zeros start in VAL/OFF (rows + 1 entries). */
const ROW_START = new Int32Array(1 << 14);
/** b packed as float64, [k][n]; indices masked by CAP_B - 1 (+8 slack for the sweep). */
const CAP_B = 1 << 16;
const MASK_B = CAP_B - 1;
const PACK_B = new Float64Array(CAP_B + 8);
/** Which rows of b the current call read (for the check through the result of a b read in place). */
const READ = new Uint8Array(1 << 16);
/**
 * Runs of RUN consecutive values of a looked at to estimate its density, and the step between their
 * starts (as a fraction). Every thread estimates every sparse product's operands, so this is paid
 * several times a step, where the operands are not in this core's cache: single values scattered
 * over a batch cost a cache miss each. A run of 16 float32 is one or two cache lines, so 64 runs
 * cost about 64 misses.
 */
const RUNS = 64;
const RUN = 16;
const GOLDEN = 0.6180339887498949;

/**
 * Estimated fraction of non-zeros among a's first `len` values (NaN counts as non-zero), from at
 * most RUNS·RUN of them in runs starting at golden-ratio positions: deterministic (every thread
 * sees the same value), bounded in cost, and blind to no row or column pattern (a fixed stride can
 * divide a row length). Exact for len ≤ RUNS·RUN.
 */
export function sampledDensity(a: Float32Array, len = a.length): number {
  if (len === 0) return 0;
  if (len <= RUNS * RUN) {
    let nz = 0;
    for (let i = 0; i < len; i++) nz += a[i] !== 0 ? 1 : 0;
    return nz / len;
  }
  let nz = 0;
  let u = 0.5;
  const starts = len - RUN + 1;
  for (let r = 0; r < RUNS; r++) {
    const s = Math.floor(u * starts);
    for (let i = s; i < s + RUN; i++) nz += a[i] !== 0 ? 1 : 0;
    u += GOLDEN;
    if (u >= 1) u -= 1;
  }
  return nz / (RUNS * RUN);
}

/**
 * out[rowStart:rowEnd, :] = op(a)·b when op(a) is sparse enough (a is [m,k], or [k,m] when
 * transA; b is [k,n] and not transposed; all Float32Array). Returns false when the product should
 * go to the dense kernel instead: a float64 call, transB, op(a) too dense, too large for the
 * scratch, or b not all finite. It has then written nothing, except when it found b not finite
 * through the result: then the rows asked for hold partial results, which the dense kernel
 * overwrites.
 */
export function trySparseMatmul(args: MatmulArgs, rowStart = 0, rowEnd = args.m): boolean {
  const { a, b, out, m, n, k, transA, transB } = args;
  // Rows are gathered in blocks that fit the scratch, so a product of any height qualifies.
  const block = Math.min(ROW_START.length - 1, Math.floor(CAP_NZ / Math.max(k, 1)));
  if (
    transB ||
    !(a instanceof Float32Array) ||
    !(b instanceof Float32Array) ||
    !(out instanceof Float32Array) ||
    n < 8 ||
    k < 16 ||
    rowEnd <= rowStart ||
    block < 1
  )
    return false;
  if (sampledDensity(a, m * k) > sparseMaxDensity(n, k * n)) return false;
  // b packed as float64 when it fits the scratch (checked for Inf/NaN on the way); a larger b is
  // read in place (float32, bounds-checked) rather than packed by every thread, and checked through
  // the result (see the header) unless it has more rows than READ tracks.
  const packed = k * n <= CAP_B;
  const checkAfter = !packed && k <= READ.length;
  if (packed ? !copyFinite(PACK_B, b, k * n) : !checkAfter && !allFinite(b, 0, k * n)) return false;
  if (checkAfter) READ.fill(0, 0, k);
  if (!packed && ROW_SUMS.length < n) ROW_SUMS = new Float64Array(n);
  const chunk = Math.max(8, Math.floor(CHUNK_VALUES / n));
  for (let r0 = rowStart; r0 < rowEnd; r0 += block) {
    const r1 = Math.min(rowEnd, r0 + block);
    gather(a, transA, r0, r1, m, k, n);
    if (checkAfter) markRead(ROW_START[r1 - r0], n);
    for (let r = 0; r < r1 - r0; r++) {
      if (packed) sparseRow(out, (r0 + r) * n, n, ROW_START[r], ROW_START[r + 1]);
      else directRow(b, out, (r0 + r) * n, n, ROW_START[r], ROW_START[r + 1], chunk);
    }
  }
  return !checkAfter || (allFinite(out, rowStart * n, rowEnd * n) && unreadFinite(b, k, n));
}

/** Marks the rows of b that the gathered non-zeros [0, nnz) read (their offsets are p·nb). */
function markRead(nnz: number, nb: number): void {
  for (let t = 0; t < nnz; t++) READ[(OFF[t & MASK_NZ] / nb) | 0] = 1;
}

/** Whether every row of b [k,n] that no gathered non-zero read is finite. */
function unreadFinite(b: FloatArray, k: number, n: number): boolean {
  for (let p = 0; p < k; p++) if (READ[p] === 0 && !allFinite(b, p * n, p * n + n)) return false;
  return true;
}

function gather(
  a: Float32Array,
  transA: boolean,
  r0: number,
  r1: number,
  m: number,
  k: number,
  n: number,
): void {
  if (transA) gatherColumns(a, r0, r1, m, k, n);
  else gatherRows(a, r0, r1, k, n);
}

/**
 * Non-zeros of rows [r0, r1) of a [m,k] into VAL, with their offsets p·nb into b (packed or not)
 * in OFF. Four values at a time: a group of four zeros (image borders, codes of units that are off)
 * costs one well-predicted branch; other groups are appended without branches (write always,
 * advance only past a non-zero).
 */
function gatherRows(a: Float32Array, r0: number, r1: number, k: number, nb: number): void {
  let nnz = 0;
  for (let i = r0; i < r1; i++) {
    ROW_START[i - r0] = nnz;
    const start = i * k;
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const s = start + p;
      const v0 = a[s];
      const v1 = a[s + 1];
      const v2 = a[s + 2];
      const v3 = a[s + 3];
      if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
      nnz = append(nnz, v0, p * nb);
      nnz = append(nnz, v1, (p + 1) * nb);
      nnz = append(nnz, v2, (p + 2) * nb);
      nnz = append(nnz, v3, (p + 3) * nb);
    }
    for (; p < k; p++) nnz = append(nnz, a[start + p], p * nb);
  }
  ROW_START[r1 - r0] = nnz;
}

/** The same for columns [c0, c1) of a [k,m] (the rows of op(a) = aᵀ), four rows of a at a time. */
function gatherColumns(a: Float32Array, c0: number, c1: number, m: number, k: number, nb: number): void {
  let nnz = 0;
  for (let i = c0; i < c1; i++) {
    ROW_START[i - c0] = nnz;
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const s = p * m + i;
      const v0 = a[s];
      const v1 = a[s + m];
      const v2 = a[s + 2 * m];
      const v3 = a[s + 3 * m];
      if (v0 === 0 && v1 === 0 && v2 === 0 && v3 === 0) continue;
      nnz = append(nnz, v0, p * nb);
      nnz = append(nnz, v1, (p + 1) * nb);
      nnz = append(nnz, v2, (p + 2) * nb);
      nnz = append(nnz, v3, (p + 3) * nb);
    }
    for (; p < k; p++) nnz = append(nnz, a[p * m + i], p * nb);
  }
  ROW_START[c1 - c0] = nnz;
}

/** Writes (v, off) at nnz and returns the next free index: nnz + 1 for a non-zero, nnz for a zero. */
function append(nnz: number, v: number, off: number): number {
  VAL[nnz & MASK_NZ] = v;
  OFF[nnz & MASK_NZ] = off;
  return nnz + (v !== 0 ? 1 : 0);
}

/**
 * As sparseRow, reading b [k,n] itself: out[o + c] = Σ_t VAL[t] · b[OFF[t] + c], OFF = p·n, the
 * non-zeros taken `chunk` at a time (see CHUNK_VALUES), each chunk's sums added to ROW_SUMS. Every
 * sum still adds its terms in order of t in float64, so chunking changes no bit of the result. A
 * copy of sparseRow on purpose: one loop over both a Float64Array and a Float32Array would be
 * polymorphic, and V8 compiles that slower for both.
 */
function directRow(
  b: Float32Array,
  out: Float32Array,
  o: number,
  n: number,
  t0: number,
  t1: number,
  chunk: number,
): void {
  // Locals, not the module constants themselves: V8 then drops the per-iteration map checks and
  // length reloads of the gather arrays.
  const V = VAL;
  const O = OFF;
  const S = ROW_SUMS;
  S.fill(0, 0, n);
  for (let u0 = t0; u0 < t1; u0 += chunk) {
    const u1 = Math.min(t1, u0 + chunk);
    let c = 0;
    for (; c + 8 <= n; c += 8) {
      let c0 = S[c];
      let c1 = S[c + 1];
      let c2 = S[c + 2];
      let c3 = S[c + 3];
      let c4 = S[c + 4];
      let c5 = S[c + 5];
      let c6 = S[c + 6];
      let c7 = S[c + 7];
      for (let t = u0; t < u1; t++) {
        const tt = t & MASK_NZ;
        const v = V[tt];
        const q = O[tt] + c;
        c0 += v * b[q];
        c1 += v * b[q + 1];
        c2 += v * b[q + 2];
        c3 += v * b[q + 3];
        c4 += v * b[q + 4];
        c5 += v * b[q + 5];
        c6 += v * b[q + 6];
        c7 += v * b[q + 7];
      }
      S[c] = c0;
      S[c + 1] = c1;
      S[c + 2] = c2;
      S[c + 3] = c3;
      S[c + 4] = c4;
      S[c + 5] = c5;
      S[c + 6] = c6;
      S[c + 7] = c7;
    }
    for (; c < n; c++) {
      let s = S[c];
      for (let t = u0; t < u1; t++) s += V[t & MASK_NZ] * b[O[t & MASK_NZ] + c];
      S[c] = s;
    }
  }
  for (let c = 0; c < n; c++) out[o + c] = S[c];
}

/**
 * out[o + c] = Σ_{t in [t0,t1)} VAL[t] · PACK_B[OFF[t] + c] for c < nb: eight columns per sweep
 * over the row's non-zeros, the eight sums in registers. Every index is masked to the fixed scratch
 * sizes, so V8 compiles the index arithmetic without overflow checks (bounds checks stay).
 */
function sparseRow(out: Float32Array, o: number, nb: number, t0: number, t1: number): void {
  const B = PACK_B; // locals: see directRow
  const V = VAL;
  const O = OFF;
  let c = 0;
  for (; c + 8 <= nb; c += 8) {
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    let c4 = 0;
    let c5 = 0;
    let c6 = 0;
    let c7 = 0;
    for (let t = t0; t < t1; t++) {
      const tt = t & MASK_NZ;
      const v = V[tt];
      const q = (O[tt] + c) & MASK_B;
      c0 += v * B[q];
      c1 += v * B[q + 1];
      c2 += v * B[q + 2];
      c3 += v * B[q + 3];
      c4 += v * B[q + 4];
      c5 += v * B[q + 5];
      c6 += v * B[q + 6];
      c7 += v * B[q + 7];
    }
    out[o + c] = c0;
    out[o + c + 1] = c1;
    out[o + c + 2] = c2;
    out[o + c + 3] = c3;
    out[o + c + 4] = c4;
    out[o + c + 5] = c5;
    out[o + c + 6] = c6;
    out[o + c + 7] = c7;
  }
  for (; c < nb; c++) {
    let s = 0;
    for (let t = t0; t < t1; t++) s += V[t & MASK_NZ] * B[(O[t & MASK_NZ] + c) & MASK_B];
    out[o + c] = s;
  }
}
