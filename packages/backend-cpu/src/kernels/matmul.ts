import type { FloatArray } from '@saekit/core';

/*
 * Blocked matrix multiply in pure JavaScript, shaped for V8's optimizing compiler (GotoBLAS-style):
 *
 *   for each block of k (kc ≤ KC, k split evenly so the last block is not a sliver)
 *     for each block of n (nc columns): pack op(b)[pc:pc+kc, jc:jc+nc] into PACK_B
 *       for each block of m (mc rows):  pack op(a)[ic:ic+mc, pc:pc+kc] into PACK_A
 *         for each NR-column micro-panel of PACK_B, for each MR-row micro-panel of PACK_A:
 *           MR×NR micro-kernel: out tile (+)= A panel · B panel, streaming both panels linearly.
 *
 * Why:
 *  - Packing lays op(a)/op(b) panels out in the order the micro-kernel reads them, so transA/transB
 *    cost only a reordered copy of a small panel, the micro-kernel is one monomorphic Float64Array
 *    loop whatever the input type, and float32 inputs are accumulated in float64.
 *  - The MR×NR tile lives in locals. 3×2 is the largest tile whose values fit x64's XMM registers
 *    as V8 schedules them; larger tiles spill accumulators every iteration and ran slower.
 *  - The scratch is module-level `const`s of fixed size, so V8 embeds address and length (no map
 *    checks or length reloads in the hot loop). Indices are masked with `& (CAP - 1)`, so every
 *    access is provably in bounds; at CAP = 2^16 the mask is a 16-bit zero-extension, cheaper than
 *    a real `and`, so keep CAP at exactly 2^16.
 *  - The blocking bounds every packed panel, so the scratch never grows and `matmul` never
 *    allocates. Block sizes matter little (the kernel is instruction-bound); what packing buys is
 *    the linear, monomorphic, constant-address stream.
 *  - Matrix × vector (m = 1 or n = 1) skips packing: with no reuse, packing is only a copy.
 *  - Within a k block sums are float64; across blocks they are added into out, so a float32 product
 *    with k > KC is rounded once per block (as any float32 GEMM does).
 * Figures for these choices: docs/performance.md.
 */

/** Micro-kernel tile: MR rows of op(a) × NR columns of op(b). */
const MR = 3;
const NR = 2;
/** Maximum depth of a k block. */
const KC = 256;
/** Scratch capacity in doubles (power of two; index masks are CAP - 1). */
const CAP_A = 1 << 16;
const CAP_B = 1 << 16;
const MASK_A = CAP_A - 1;
const MASK_B = CAP_B - 1;

/*
 * Packed panels, one array per row of an A micro-panel and per column of a B micro-panel: a step of
 * the micro-kernel reads all five at one index each, and V8 checks a typed array access's bounds
 * even where the index is masked into range, once per distinct index and length. Interleaved in
 * one array each, the five reads were five checks. All five arrays are equally long, so the three
 * A reads share a check and so do the two B reads. Each holds its panels' steps in order:
 * A_r[(ir/MR)·kc + p] = op(a)[i0 + ir + r, p0 + p], B_c[(jr/NR)·kc + p] = op(b)[p0 + p, j0 + jr + c].
 * The blocking below keeps all MR (NR) of them within CAP_A (CAP_B) doubles in all.
 */
const PACK_A0 = new Float64Array(CAP_A + 8);
const PACK_A1 = new Float64Array(CAP_A + 8);
const PACK_A2 = new Float64Array(CAP_A + 8);
const PACK_B0 = new Float64Array(CAP_B + 8);
const PACK_B1 = new Float64Array(CAP_B + 8);
const PACK_A: readonly Float64Array[] = [PACK_A0, PACK_A1, PACK_A2];
const PACK_B: readonly Float64Array[] = [PACK_B0, PACK_B1];
/** Result of one micro-kernel call, MR×NR row-major. */
const TILE = new Float64Array(MR * NR);

/**
 * A matrix product out[m,n] = op(a)·op(b): a is [m,k] ([k,m] when transA), b is [k,n] ([n,k]
 * when transB), all row-major. Every matmul kernel of this package takes one.
 */
export interface MatmulArgs {
  readonly a: FloatArray;
  readonly b: FloatArray;
  readonly out: FloatArray;
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

/**
 * out[m,n] = op(a) · op(b), overwriting out. a is [m,k] ([k,m] when transA), b is [k,n]
 * ([n,k] when transB), all row-major. Works on Float32Array and Float64Array (accumulates in float64).
 * out must not overlap a or b; only its first m·n elements are written. k = 0 gives zeros.
 * With [rowStart, rowEnd), only those rows of out are computed (how threads split a product).
 * Never allocates: its scratch is fixed at module load.
 */
export function matmul(args: MatmulArgs, rowStart = 0, rowEnd = args.m): void {
  const { a, b, out, m, n, k, transA, transB } = args;
  if (m <= 0 || n <= 0 || rowEnd <= rowStart) return;
  if (k <= 0) {
    out.fill(0, rowStart * n, rowEnd * n);
    return;
  }
  if ((m === 1 || n === 1) && (rowStart !== 0 || rowEnd !== m)) {
    throw new RangeError('matmul: a row range needs the blocked path (m > 1 and n > 1)');
  }
  // Vector × matrix and matrix × vector: no reuse to exploit, so packing would only add a copy.
  // Either way the vector operand is contiguous whatever its trans flag says.
  if (m === 1) {
    if (transB) gemv(a, b, out, n, k, k, 1);
    else gemv(a, b, out, n, k, 1, n);
    return;
  }
  if (n === 1) {
    if (transA) gemv(b, a, out, m, k, 1, m);
    else gemv(b, a, out, m, k, k, 1);
    return;
  }
  // k blocks: split evenly into pieces of at most KC.
  const kBlocks = Math.ceil(k / KC);
  const kcMax = Math.ceil(k / kBlocks);
  // n blocks: as many NR-wide panels as fit in PACK_B at depth kcMax, split evenly.
  const ncCap = Math.floor(CAP_B / (kcMax * NR)) * NR;
  const nBlocks = Math.ceil(n / ncCap);
  const ncMax = roundUp(Math.ceil(n / nBlocks), NR);
  // m blocks: likewise for MR-tall panels in PACK_A.
  const mcCap = Math.floor(CAP_A / (kcMax * MR)) * MR;
  const mBlocks = Math.ceil((rowEnd - rowStart) / mcCap);
  const mcMax = roundUp(Math.ceil((rowEnd - rowStart) / mBlocks), MR);

  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = Math.min(kcMax, k - pc);
    const accumulate = pc > 0;
    for (let jc = 0; jc < n; jc += ncMax) {
      const nc = Math.min(ncMax, n - jc);
      packB(b, transB, n, k, jc, nc, pc, kc);
      for (let ic = rowStart; ic < rowEnd; ic += mcMax) {
        const mc = Math.min(mcMax, rowEnd - ic);
        packA(a, transA, m, k, ic, mc, pc, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bOff = (jr / NR) * kc;
          let o = ic * n + jc + jr;
          for (let ir = 0; ir < mc; ir += MR) {
            kernel3x2((ir / MR) * kc, bOff, kc);
            const mr = Math.min(MR, mc - ir);
            if (mr === MR && nr === NR) {
              const o1 = o + n;
              const o2 = o1 + n;
              if (accumulate) {
                out[o] += TILE[0];
                out[o + 1] += TILE[1];
                out[o1] += TILE[2];
                out[o1 + 1] += TILE[3];
                out[o2] += TILE[4];
                out[o2 + 1] += TILE[5];
              } else {
                out[o] = TILE[0];
                out[o + 1] = TILE[1];
                out[o1] = TILE[2];
                out[o1 + 1] = TILE[3];
                out[o2] = TILE[4];
                out[o2 + 1] = TILE[5];
              }
            } else {
              storeEdge(out, o, n, mr, nr, accumulate);
            }
            o += MR * n;
          }
        }
      }
    }
  }
}

/**
 * out[r] = Σ_p x[p] · mat[r·rs + p·ps] for r < rows: four outputs at a time so the four sums are
 * independent chains (one chain would be bound by floating-point add latency).
 */
function gemv(
  x: FloatArray,
  mat: FloatArray,
  out: FloatArray,
  rows: number,
  k: number,
  rs: number,
  ps: number,
): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let q = r * rs;
    for (let p = 0; p < k; p++) {
      const xp = x[p];
      s0 += xp * mat[q];
      s1 += xp * mat[q + rs];
      s2 += xp * mat[q + 2 * rs];
      s3 += xp * mat[q + 3 * rs];
      q += ps;
    }
    out[r] = s0;
    out[r + 1] = s1;
    out[r + 2] = s2;
    out[r + 3] = s3;
  }
  for (; r < rows; r++) {
    let s = 0;
    let q = r * rs;
    for (let p = 0; p < k; p++) {
      s += x[p] * mat[q];
      q += ps;
    }
    out[r] = s;
  }
}

function roundUp(x: number, step: number): number {
  return Math.ceil(x / step) * step;
}

/** PACK_A's panels of op(a)[i0:i0+mc, p0:p0+kc], rows past mc zero-filled so every micro-panel is full. */
function packA(
  a: FloatArray,
  transA: boolean,
  m: number,
  k: number,
  i0: number,
  mc: number,
  p0: number,
  kc: number,
): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    const row = i0 + ir;
    const d = (ir / MR) * kc;
    // transA: a is [k,m], the MR values of one p are contiguous. Else a is [m,k]: each of the MR
    // rows is contiguous in p, read side by side.
    const lane = transA ? 1 : k;
    const step = transA ? m : 1;
    const s0 = transA ? p0 * m + row : row * k + p0;
    if (mr === MR) {
      const s1 = s0 + lane;
      const s2 = s1 + lane;
      for (let p = 0; p < kc; p++) {
        const q = p * step;
        PACK_A0[d + p] = a[s0 + q];
        PACK_A1[d + p] = a[s1 + q];
        PACK_A2[d + p] = a[s2 + q];
      }
    } else {
      for (let r = 0; r < MR; r++) {
        const D = PACK_A[r];
        const sr = s0 + r * lane;
        for (let p = 0; p < kc; p++) D[d + p] = r < mr ? a[sr + p * step] : 0;
      }
    }
  }
}

/** PACK_B's panels of op(b)[p0:p0+kc, j0:j0+nc], columns past nc zero-filled. */
function packB(
  b: FloatArray,
  transB: boolean,
  n: number,
  k: number,
  j0: number,
  nc: number,
  p0: number,
  kc: number,
): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    const col = j0 + jr;
    const d = (jr / NR) * kc;
    // Not transB: b is [k,n], the NR values of one p are contiguous. transB: b is [n,k], each of
    // the NR columns of op(b) is a contiguous row of b.
    const lane = transB ? k : 1;
    const step = transB ? 1 : n;
    const s0 = transB ? col * k + p0 : p0 * n + col;
    if (nr === NR) {
      const s1 = s0 + lane;
      for (let p = 0; p < kc; p++) {
        const q = p * step;
        PACK_B0[d + p] = b[s0 + q];
        PACK_B1[d + p] = b[s1 + q];
      }
    } else {
      for (let p = 0; p < kc; p++) {
        PACK_B0[d + p] = b[s0 + p * step];
        PACK_B1[d + p] = 0;
      }
    }
  }
}

/**
 * 3×2 micro-kernel: TILE[r·NR + c] = Σ_p PACK_Ar[aOff + p] · PACK_Bc[bOff + p], p < kc.
 *
 * It touches nothing but the module-level Float64Arrays and small integers, and has no branch that
 * could be unvisited when V8 first optimizes it; the caller does the (element-type polymorphic, edge
 * dependent) stores into out. That matters: this function is called once per tile, so if it were
 * deoptimized for missing feedback a few times V8 could leave it running on-stack-replacement code
 * entered from the interpreter on every call, several times slower.
 */
function kernel3x2(aOff: number, bOff: number, kc: number): void {
  let c00 = 0;
  let c01 = 0;
  let c10 = 0;
  let c11 = 0;
  let c20 = 0;
  let c21 = 0;
  let ia = aOff | 0;
  let ib = bOff | 0;
  const end = (ib + kc) | 0;
  while (ib < end) {
    const ja = ia & MASK_A;
    const jb = ib & MASK_B;
    const b0 = PACK_B0[jb];
    const b1 = PACK_B1[jb];
    const a0 = PACK_A0[ja];
    c00 += a0 * b0;
    c01 += a0 * b1;
    const a1 = PACK_A1[ja];
    c10 += a1 * b0;
    c11 += a1 * b1;
    const a2 = PACK_A2[ja];
    c20 += a2 * b0;
    c21 += a2 * b1;
    ia = (ia + 1) | 0;
    ib = (ib + 1) | 0;
  }
  const T = TILE;
  T[0] = c00;
  T[1] = c01;
  T[2] = c10;
  T[3] = c11;
  T[4] = c20;
  T[5] = c21;
}

/** Stores (or adds) the top-left mr×nr corner of TILE into out at offset o, row stride ldo. */
function storeEdge(
  out: FloatArray,
  o: number,
  ldo: number,
  mr: number,
  nr: number,
  accumulate: boolean,
): void {
  for (let r = 0; r < mr; r++) {
    for (let c = 0; c < nr; c++) {
      const v = TILE[r * NR + c];
      if (accumulate) out[o + r * ldo + c] += v;
      else out[o + r * ldo + c] = v;
    }
  }
}

/**
 * The packed kernel's pieces, for the Strassen products (gemm-terms.ts). One object, not the
 * bindings themselves: V8 reads an exported binding through a module cell, which it did not fold
 * into the loops above (with the scratch, sizes and micro-kernel exported, the kernel ran a third
 * slower: \`pnpm bench matmul\`).
 */
export const PACKED_KERNEL = Object.freeze({
  MR,
  NR,
  KC,
  CAP_A,
  CAP_B,
  PACK_A,
  PACK_B,
  PACK_B0,
  PACK_B1,
  TILE,
  kernel3x2,
});
