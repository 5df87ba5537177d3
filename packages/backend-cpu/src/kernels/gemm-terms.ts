import type { FloatArray } from '@saekit/core';
import { PACKED_KERNEL } from './matmul.js';

const { CAP_A, kernel3x2, MR, NR, PACK_A, PACK_B, PACK_B0, PACK_B1, TILE } = PACKED_KERNEL;

/*
 * The packed product of matmul.ts generalised to sums of blocks, for Strassen (strassen.ts):
 *
 *   for each target t:  C_t (+)= sign_t · (Σ_u sign_u · op(A)_u) · (Σ_v sign_v · op(B)_v)
 *
 * where every op(A)_u is an equally sized block of the same matrix a (likewise op(B)_v of b, C_t of
 * out). Why fused: the block sums are formed while packing (packing copies the panel anyway), and
 * the product's tile is added into each of its targets as it leaves the micro-kernel, so Strassen
 * needs no temporary matrices and no separate passes over memory for its additions ("Strassen
 * reloaded", Huang, Smith & van de Geijn, SC 2016). The micro-kernel, tile and scratch are
 * matmul.ts's own, so the inner loop is the same code as the classical product's.
 */

/**
 * Doubles of packed b per block: the whole of it is read again for every MR rows, so it should stay
 * in a core's L2 cache beside the packed a.
 */
const B_PANEL = 1 << 15;
/**
 * Deepest k block. Deeper than matmul.ts's: each k block adds its tiles into every target once, and
 * a Strassen block's k (384 for the encoder at one level, 192 at two) is then one block.
 */
export const KC_TERMS = 384;
/** Row stride of SC, the MR rows of tiles on their way to several targets (bounds a panel's columns). */
const SC_STRIDE = 1024;
const SC = new Float64Array(MR * SC_STRIDE);

/**
 * A product of block sums. Offsets are where each block's element [0,0] lies in its array; `ld*` is
 * the row length of the array itself (op(a)[i,p] = a[off + i·lda + p], or a[off + p·lda + i] when
 * transA; op(b)[p,j] = b[off + p·ldb + j], or b[off + j·ldb + p] when transB; out[off + i·ldc + j]).
 * A target with `cAdd` false is overwritten (its first k block), else added to. Signs are ±1.
 */
export interface TermsProduct {
  readonly lda: number;
  readonly ldb: number;
  readonly ldc: number;
  readonly transA: boolean;
  readonly transB: boolean;
  /** The shared dimension. */
  readonly k: number;
  readonly aOff: readonly number[];
  readonly aSign: readonly number[];
  readonly bOff: readonly number[];
  readonly bSign: readonly number[];
  readonly cOff: readonly number[];
  readonly cSign: readonly number[];
  readonly cAdd: readonly boolean[];
}

/** The arrays a product reads and writes (read when it runs: a feed may be rebound per run). */
export interface TermsArrays {
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly out: FloatArray;
}

/**
 * Computes `rows` × `cols` of the product, every a offset moved by `aShift`, every b offset by
 * `bShift` and every out offset by `cShift` (how a piece is chosen). Never allocates.
 */
export function gemmTerms(
  p: TermsProduct,
  x: TermsArrays,
  rows: number,
  cols: number,
  aShift: number,
  bShift: number,
  cShift: number,
): void {
  const { k, ldc } = p;
  const { a, b, out } = x;
  const n = cols;
  if (rows <= 0 || n <= 0) return;
  if (k <= 0) {
    for (let t = 0; t < p.cOff.length; t++) {
      if (p.cAdd[t]) continue;
      for (let i = 0; i < rows; i++) {
        const o = p.cOff[t] + cShift + i * ldc;
        out.fill(0, o, o + n);
      }
    }
    return;
  }
  // Blocking as in matmul.ts, but k blocks up to KC_TERMS deep, panels as large as the scratch holds.
  const kBlocks = Math.ceil(k / KC_TERMS);
  const kcMax = Math.ceil(k / kBlocks);
  const ncCap = Math.min(SC_STRIDE, Math.floor(B_PANEL / (kcMax * NR)) * NR);
  const ncMax = roundUp(Math.ceil(n / Math.ceil(n / ncCap)), NR);
  const mcCap = Math.floor(CAP_A / (kcMax * MR)) * MR;
  const mcMax = roundUp(Math.ceil(rows / Math.ceil(rows / mcCap)), MR);
  // op(a): lanes are rows i, steps are p; op(b): lanes are columns j, steps are p.
  const aLane = p.transA ? 1 : p.lda;
  const aStep = p.transA ? p.lda : 1;
  const bLane = p.transB ? p.ldb : 1;
  const bStep = p.transB ? 1 : p.ldb;
  const single = p.cOff.length === 1;
  // a's block is packed once and b's panels under it: a Strassen piece's rows mostly fit one block.
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = Math.min(kcMax, k - pc);
    for (let ic = 0; ic < rows; ic += mcMax) {
      const mc = Math.min(mcMax, rows - ic);
      for (let u = 0; u < p.aOff.length; u++) {
        const base = p.aOff[u] + aShift + ic * aLane + pc * aStep;
        packPanels(PACK_A, MR, a, base, aLane, aStep, mc, kc, p.aSign[u], u > 0);
      }
      for (let jc = 0; jc < n; jc += ncMax) {
        const nc = Math.min(ncMax, n - jc);
        const bBase = bShift + jc * bLane + pc * bStep;
        const bt = p.bOff.length;
        if (bLane === 1 && nc % NR === 0 && (bt === 1 || bt === 2 || bt === 4))
          packRowsB(b, p.bOff, p.bSign, bBase, bStep, nc, kc);
        else {
          for (let u = 0; u < p.bOff.length; u++) {
            packPanels(PACK_B, NR, b, p.bOff[u] + bBase, bLane, bStep, nc, kc, p.bSign[u], u > 0);
          }
        }
        // Along rows of out: MR rows of tiles at a time. With several targets the tiles gather in SC
        // and go out row by row (a tile per target would touch MR lines of each for 2 values).
        for (let ir = 0; ir < mc; ir += MR) {
          const mr = Math.min(MR, mc - ir);
          const o = cShift + (ic + ir) * ldc + jc;
          for (let jr = 0; jr < nc; jr += NR) {
            kernel3x2((ir / MR) * kc, (jr / NR) * kc, kc);
            if (single) storeTile(p, out, o + jr, mr, Math.min(NR, nc - jr), pc > 0);
            else {
              SC[jr] = TILE[0];
              SC[jr + 1] = TILE[1];
              SC[SC_STRIDE + jr] = TILE[2];
              SC[SC_STRIDE + jr + 1] = TILE[3];
              SC[2 * SC_STRIDE + jr] = TILE[4];
              SC[2 * SC_STRIDE + jr + 1] = TILE[5];
            }
          }
          if (!single) flushRows(p, out, o, mr, nc, pc > 0);
        }
      }
    }
  }
}

/**
 * Adds sign_t · SC's first mr rows of nc values into every target, at offset o, all targets in one
 * pass over SC (a pass per target re-read SC and ran the loop's overhead once per target: more than
 * twice the time a value). A target's first write (its `cAdd` false, first k block) is zeroed just
 * before, so every target takes the same add.
 */
function flushRows(
  p: TermsProduct,
  out: FloatArray,
  o: number,
  mr: number,
  nc: number,
  accumulate: boolean,
): void {
  const { ldc, cOff, cSign } = p;
  const t = cOff.length;
  for (let r = 0; r < mr; r++) {
    const row = o + r * ldc;
    const j = r * SC_STRIDE;
    if (!accumulate) {
      for (let u = 0; u < t; u++) if (!p.cAdd[u]) out.fill(0, cOff[u] + row, cOff[u] + row + nc);
    }
    let u = 0;
    for (; u + 2 <= t; u += 2) add2(out, j, nc, cOff[u] + row, cSign[u], cOff[u + 1] + row, cSign[u + 1]);
    if (u < t) add1(out, j, nc, cOff[u] + row, cSign[u]);
  }
}

/** out[o0 + c] += s0 · SC[j + c] and out[o1 + c] += s1 · SC[j + c] for c < nc (four a loop ran no faster). */
function add2(out: FloatArray, j: number, nc: number, o0: number, s0: number, o1: number, s1: number): void {
  for (let c = 0; c < nc; c++) {
    const v = SC[j + c];
    out[o0 + c] += s0 * v;
    out[o1 + c] += s1 * v;
  }
}

function add1(out: FloatArray, j: number, nc: number, o0: number, s0: number): void {
  for (let c = 0; c < nc; c++) out[o0 + c] += s0 * SC[j + c];
}

/**
 * packPanels for b read along its rows (not transposed, whole panels), all terms summed in one
 * pass: b's panels are the bulk of the packing, and a pass per term would re-read and re-write
 * every packed value, each a line apart from the last.
 */
function packRowsB(
  x: FloatArray,
  offs: readonly number[],
  signs: readonly number[],
  base: number,
  step: number,
  nc: number,
  kc: number,
): void {
  const t = offs.length;
  const o0 = base + offs[0];
  const o1 = base + (t > 1 ? offs[1] : offs[0]);
  const o2 = base + (t > 2 ? offs[2] : offs[0]);
  const o3 = base + (t > 3 ? offs[3] : offs[0]);
  const s0 = signs[0];
  const s1 = t > 1 ? signs[1] : 0;
  const s2 = t > 2 ? signs[2] : 0;
  const s3 = t > 3 ? signs[3] : 0;
  // Two panels an iteration (V8 checks x's map and length again every iteration), then the last.
  const pairs = nc - (nc % (2 * NR));
  for (let s = 0; s < kc; s++) {
    const row = s * step;
    if (t === 1) {
      let di = s;
      for (let j = row; j < row + pairs; j += 2 * NR, di += 2 * kc) {
        PACK_B0[di] = s0 * x[o0 + j];
        PACK_B1[di] = s0 * x[o0 + j + 1];
        PACK_B0[di + kc] = s0 * x[o0 + j + 2];
        PACK_B1[di + kc] = s0 * x[o0 + j + 3];
      }
      for (let j = row + pairs; j < row + nc; j += NR, di += kc) {
        PACK_B0[di] = s0 * x[o0 + j];
        PACK_B1[di] = s0 * x[o0 + j + 1];
      }
    } else if (t === 2) {
      let di = s;
      for (let j = row; j < row + pairs; j += 2 * NR, di += 2 * kc) {
        PACK_B0[di] = s0 * x[o0 + j] + s1 * x[o1 + j];
        PACK_B1[di] = s0 * x[o0 + j + 1] + s1 * x[o1 + j + 1];
        PACK_B0[di + kc] = s0 * x[o0 + j + 2] + s1 * x[o1 + j + 2];
        PACK_B1[di + kc] = s0 * x[o0 + j + 3] + s1 * x[o1 + j + 3];
      }
      for (let j = row + pairs; j < row + nc; j += NR, di += kc) {
        PACK_B0[di] = s0 * x[o0 + j] + s1 * x[o1 + j];
        PACK_B1[di] = s0 * x[o0 + j + 1] + s1 * x[o1 + j + 1];
      }
    } else {
      // 4 terms (the caller sends 3 elsewhere: a sign-0 term would turn an Inf into NaN).
      let di = s;
      for (let j = row; j < row + pairs; j += 2 * NR, di += 2 * kc) {
        PACK_B0[di] = s0 * x[o0 + j] + s1 * x[o1 + j] + s2 * x[o2 + j] + s3 * x[o3 + j];
        PACK_B1[di] = s0 * x[o0 + j + 1] + s1 * x[o1 + j + 1] + s2 * x[o2 + j + 1] + s3 * x[o3 + j + 1];
        PACK_B0[di + kc] = s0 * x[o0 + j + 2] + s1 * x[o1 + j + 2] + s2 * x[o2 + j + 2] + s3 * x[o3 + j + 2];
        PACK_B1[di + kc] = s0 * x[o0 + j + 3] + s1 * x[o1 + j + 3] + s2 * x[o2 + j + 3] + s3 * x[o3 + j + 3];
      }
      for (let j = row + pairs; j < row + nc; j += NR, di += kc) {
        PACK_B0[di] = s0 * x[o0 + j] + s1 * x[o1 + j] + s2 * x[o2 + j] + s3 * x[o3 + j];
        PACK_B1[di] = s0 * x[o0 + j + 1] + s1 * x[o1 + j + 1] + s2 * x[o2 + j + 1] + s3 * x[o3 + j + 1];
      }
    }
  }
}

/**
 * D[r][(l/W)·kc + s] (+)= sign · x[base + (l + r)·lane + s·step] for lanes l + r < count and steps
 * s < kc (D: W arrays, one per lane of a micro-panel, matmul.ts); lanes past `count` are zero
 * (written by the first term, `add` false). x is read in its own order (along whichever stride is
 * 1): a strided walk over the other would touch a new page per element. W is MR or NR.
 */
function packPanels(
  D: readonly Float64Array[],
  W: number,
  x: FloatArray,
  base: number,
  lane: number,
  step: number,
  count: number,
  kc: number,
  sign: number,
  add: boolean,
): void {
  const full = count - (count % W);
  if (step === 1) {
    for (let l = 0; l < full; l++) {
      const Dr = D[l % W];
      const di = Math.floor(l / W) * kc;
      const si = base + l * lane;
      if (add) for (let s = 0; s < kc; s++) Dr[di + s] += sign * x[si + s];
      else for (let s = 0; s < kc; s++) Dr[di + s] = sign * x[si + s];
    }
  } else {
    for (let s = 0; s < kc; s++) {
      const si = base + s * step;
      for (let r = 0; r < W; r++) {
        const Dr = D[r];
        let di = s;
        for (let l = r; l < full; l += W, di += kc) {
          const v = sign * x[si + l * lane];
          Dr[di] = add ? Dr[di] + v : v;
        }
      }
    }
  }
  if (full === count) return;
  // The last, partial panel: its missing lanes are zero.
  const d0 = (full / W) * kc;
  for (let r = 0; r < W; r++) {
    const Dr = D[r];
    const live = full + r < count;
    const si = base + (full + r) * lane;
    for (let s = 0; s < kc; s++) {
      if (live) Dr[d0 + s] = add ? Dr[d0 + s] + sign * x[si + s * step] : sign * x[si + s * step];
      else if (!add) Dr[d0 + s] = 0;
    }
  }
}

/** Adds (or stores) sign · the top-left mr×nr of TILE into the one target, at offset o. */
function storeTile(
  p: TermsProduct,
  out: FloatArray,
  o: number,
  mr: number,
  nr: number,
  accumulate: boolean,
): void {
  const { ldc } = p;
  const s = p.cSign[0];
  const add = accumulate || p.cAdd[0];
  const o0 = p.cOff[0] + o;
  if (mr === MR && nr === NR) {
    const o1 = o0 + ldc;
    const o2 = o1 + ldc;
    if (add) {
      out[o0] += s * TILE[0];
      out[o0 + 1] += s * TILE[1];
      out[o1] += s * TILE[2];
      out[o1 + 1] += s * TILE[3];
      out[o2] += s * TILE[4];
      out[o2 + 1] += s * TILE[5];
    } else {
      out[o0] = s * TILE[0];
      out[o0 + 1] = s * TILE[1];
      out[o1] = s * TILE[2];
      out[o1 + 1] = s * TILE[3];
      out[o2] = s * TILE[4];
      out[o2 + 1] = s * TILE[5];
    }
    return;
  }
  for (let r = 0; r < mr; r++) {
    for (let c = 0; c < nr; c++) {
      const v = s * TILE[r * NR + c];
      if (add) out[o0 + r * ldc + c] += v;
      else out[o0 + r * ldc + c] = v;
    }
  }
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}
