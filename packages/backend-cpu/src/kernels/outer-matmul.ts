import { allFinite } from './finite.js';
import type { MatmulArgs } from './matmul.js';
import { sampledDensity, sparseMaxDensity } from './sparse-matmul.js';

/*
 * aᵀ·b for two sparse operands, pure JavaScript: out[m,n] = aᵀ·b with a [k,m] and b [k,n]. In a
 * sparse autoencoder this is the encoder's weight gradient xᵀ·δ: the input is mostly zeros (MNIST
 * pixels ~80%) and so is δ, which ReLU's derivative zeroes wherever a unit was off (~75%).
 *
 *   out[p, :] = Σ_i a[i,p] · b[i, :]      (a sum over i of outer products of row i of a and of b)
 *
 * The sweep kernel (sparse-matmul.ts) skips the zeros of a only. Here each pair of non-zeros
 * a[i,p], b[i,j] is one multiply-add into a float64 accumulator, so the work falls with the
 * density of both: about 1/20 of the dense product on those inputs, against 1/5 for the sweep. An
 * add scattered through an index costs V8 several swept ones, so this kernel takes a product only when
 * b is sparse enough (OUTER_MAX_DENSITY, measured). It also reads a by rows, where the sweep had to
 * gather the rows of aᵀ down columns of a, a strided walk that took as long as the sweep itself.
 *
 * Exactness: a skipped term is 0·v. Zeros of a are skipped only when b is all finite (checked);
 * zeros of b only against a finite a[i,p] (a non-finite one adds its whole row of b, so Inf·0 = NaN
 * lands where the dense product has it). The terms of each output are added in the order of i, into
 * a float64 sum rounded once: the sweep kernel's result exactly, whatever split of output rows
 * over threads computed it.
 *
 * Float32 only, like the sweep: the float64 reference keeps the dense kernel.
 */

/**
 * Above this density of b the sweep kernel (zeros of a only) is faster: the crossover measured on
 * a 256×784 MNIST batch (docs/performance.md).
 */
export const OUTER_MAX_DENSITY = 0.5;

/** float64 sums of the output rows being computed; indices masked to 16 bits (no overflow checks in V8's code). */
const CAP = 1 << 16;
const MASK = CAP - 1;
const ACC = new Float64Array(CAP);
/** Non-zeros of the current row of b: columns and values. */
const COL = new Int32Array(CAP);
const VAL = new Float64Array(CAP);

/**
 * Rows [rowStart, rowEnd) of out[m,n] = aᵀ·b (a [k,m], b [k,n], all Float32Array) from the
 * non-zeros of both. Returns false, having written nothing, when another kernel should take it:
 * not aᵀ·b, float64 arrays, b too wide for the scratch, a or b too dense, or b not all finite.
 */
export function tryOuterMatmul(args: MatmulArgs, rowStart = 0, rowEnd = args.m): boolean {
  const { a, b, out, m, n, k } = args;
  if (
    !args.transA ||
    args.transB ||
    !(a instanceof Float32Array) ||
    !(b instanceof Float32Array) ||
    !(out instanceof Float32Array) ||
    n < 1 ||
    n > CAP ||
    k < 1 ||
    rowEnd <= rowStart
  )
    return false;
  if (sampledDensity(b, k * n) > OUTER_MAX_DENSITY || sampledDensity(a, k * m) > sparseMaxDensity(n))
    return false;
  if (!allFinite(b, 0, k * n)) return false;
  // Output rows in blocks whose sums fit the accumulator: each block reads a and b once.
  const block = Math.floor(CAP / n);
  for (let p0 = rowStart; p0 < rowEnd; p0 += block) {
    const p1 = Math.min(rowEnd, p0 + block);
    const len = (p1 - p0) * n;
    ACC.fill(0, 0, len);
    for (let i = 0; i < k; i++) addRow(a, b, i, m, n, p0, p1);
    const o = p0 * n;
    const A = ACC; // a local: see addRow
    for (let q = 0; q < len; q++) out[o + q] = A[q];
  }
  return true;
}

/** ACC[(p − p0)·n + j] += a[i,p] · b[i,j] for p in [p0, p1), over the non-zeros of both rows. */
function addRow(
  a: Float32Array,
  b: Float32Array,
  i: number,
  m: number,
  n: number,
  p0: number,
  p1: number,
): void {
  // Locals, not the module constants themselves: V8 then drops per-access map checks and reloads.
  const A = ACC;
  const C = COL;
  const V = VAL;
  const bo = i * n;
  let nnz = 0;
  for (let j = 0; j < n; j++) {
    const v = b[bo + j];
    C[nnz & MASK] = j;
    V[nnz & MASK] = v;
    nnz += v !== 0 ? 1 : 0;
  }
  const ao = i * m;
  for (let p = p0; p < p1; p++) {
    const s = ao + p;
    // Four zeros of a at a time are passed with one branch (the border of an image is long runs).
    if (p + 4 <= p1 && a[s] === 0 && a[s + 1] === 0 && a[s + 2] === 0 && a[s + 3] === 0) {
      p += 3;
      continue;
    }
    const v = a[s];
    if (v === 0) continue;
    const row = (p - p0) * n;
    if (v - v !== 0) {
      // Inf or NaN: the whole row of b, so its zeros give NaN as in the dense product.
      for (let j = 0; j < n; j++) A[(row + j) & MASK] += v * b[bo + j];
      continue;
    }
    let t = 0;
    for (; t + 4 <= nnz; t += 4) {
      const q0 = (row + C[t & MASK]) & MASK;
      const q1 = (row + C[(t + 1) & MASK]) & MASK;
      const q2 = (row + C[(t + 2) & MASK]) & MASK;
      const q3 = (row + C[(t + 3) & MASK]) & MASK;
      A[q0] += v * V[t & MASK];
      A[q1] += v * V[(t + 1) & MASK];
      A[q2] += v * V[(t + 2) & MASK];
      A[q3] += v * V[(t + 3) & MASK];
    }
    for (; t < nnz; t++) A[(row + C[t & MASK]) & MASK] += v * V[t & MASK];
  }
}
