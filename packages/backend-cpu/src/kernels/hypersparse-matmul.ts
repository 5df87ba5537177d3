import type { MatmulArgs } from './matmul.js';
import { sampledDensity } from './sparse-matmul.js';

/*
 * op(a)·b when b is nearly all zeros and op(a) is not: the encoder's weight gradient xᵀ·δ of a
 * TopK SAE, where δ keeps k of d_sae entries a row (0.2% at 32 of 16384) and x is dense. The sweep
 * (sparse-matmul.ts) and outer (outer-matmul.ts) kernels skip the zeros of a, which has none;
 * the dense kernel does all m·n·k multiply-adds. Here b's non-zeros are listed once a call
 * (compressed rows), and each output row is
 *
 *   out[i, :] = Σ_p op(a)[i,p] · b[p, :]     over the listed non-zeros of row p of b only,
 *
 * m·nnz(b) multiply-adds into a float64 row, rounded once. An add through an index costs several
 * swept ones, so this takes a product only below HYPER_MAX_DENSITY.
 *
 * Exactness: a skipped term is op(a)[i,p]·0, which is 0 unless op(a)[i,p] is Inf or NaN; such an
 * entry adds its whole row of b, so Inf·0 = NaN lands where the dense product has it. Non-finite
 * values of b are non-zeros, so they are listed. Terms are added in the order of p, so a row's
 * result does not depend on how rows are split over threads.
 *
 * Float32 only: the float64 reference keeps the dense kernel.
 */

/** Largest density of b this kernel takes (a call costs about m·nnz(b) indexed adds). */
export const HYPER_MAX_DENSITY = 1 / 32;

/** The float64 row being summed; n is at most its length. */
const CAP_N = 1 << 16;
const ACC = new Float64Array(CAP_N);
/** Largest number of listed non-zeros of b. */
const CAP_NZ = 1 << 20;

/** b's non-zeros in compressed rows; made on first use (most products never come here). */
let COL = new Int32Array(0);
let VAL = new Float64Array(0);
let ROW = new Int32Array(0);

/**
 * Rows [rowStart, rowEnd) of out[m,n] = op(a)·b (a [m,k] or [k,m] when transA; b [k,n]; all
 * Float32Array). Returns false, having written nothing, when another kernel should take it: transB,
 * float64, n too wide, b not sparse enough, or more non-zeros than the list holds.
 */
export function tryHypersparseMatmul(args: MatmulArgs, rowStart = 0, rowEnd = args.m): boolean {
  const { a, b, out, m, n, k, transA } = args;
  if (
    args.transB ||
    !(a instanceof Float32Array) ||
    !(b instanceof Float32Array) ||
    !(out instanceof Float32Array) ||
    n < 1 ||
    n > CAP_N ||
    k < 1 ||
    rowEnd <= rowStart
  )
    return false;
  if (sampledDensity(b, k * n) > HYPER_MAX_DENSITY) return false;
  if (!listNonZeros(b, k, n)) return false;
  // op(a)[i,p] = a[i·ai + p·ap]
  const ai = transA ? 1 : k;
  const ap = transA ? m : 1;
  const A = ACC;
  const C = COL;
  const V = VAL;
  const R = ROW;
  for (let i = rowStart; i < rowEnd; i++) {
    A.fill(0, 0, n);
    let s = i * ai;
    for (let p = 0; p < k; p++, s += ap) {
      const v = a[s];
      if (v - v !== 0) {
        const bo = p * n;
        for (let j = 0; j < n; j++) A[j] += v * b[bo + j];
        continue;
      }
      const end = R[p + 1];
      for (let t = R[p]; t < end; t++) A[C[t]] += v * V[t];
    }
    const o = i * n;
    for (let j = 0; j < n; j++) out[o + j] = A[j];
  }
  return true;
}

/** Lists b's non-zeros by rows into COL/VAL/ROW; false when there are more than CAP_NZ. */
function listNonZeros(b: Float32Array, k: number, n: number): boolean {
  if (ROW.length < k + 1) ROW = new Int32Array(k + 1);
  if (COL.length === 0) {
    COL = new Int32Array(CAP_NZ);
    VAL = new Float64Array(CAP_NZ);
  }
  const C = COL;
  const V = VAL;
  const R = ROW;
  let nnz = 0;
  for (let p = 0; p < k; p++) {
    R[p] = nnz;
    const bo = p * n;
    for (let j = 0; j < n; j++) {
      const v = b[bo + j];
      if (v === 0) continue;
      if (nnz === CAP_NZ) return false;
      C[nnz] = j;
      V[nnz] = v;
      nnz++;
    }
  }
  R[k] = nnz;
  return true;
}
