import { add, greater, input, matmul, mul, type Rng } from '@saekit/core';

/** Index strides of op(a)[i,p] and op(b)[p,j] in the stored (row-major) operands. */
function strides(m: number, n: number, k: number, transA: boolean, transB: boolean) {
  return {
    ai: transA ? 1 : k,
    ap: transA ? m : 1,
    bp: transB ? 1 : n,
    bj: transB ? k : 1,
  };
}

/** Naive float64 op(a)·op(b), plus the per-element scale Σ|a||b| that bounds its rounding error. */
export function matmulReference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
) {
  const { ai, ap, bp, bj } = strides(m, n, k, transA, transB);
  const ref = new Float64Array(m * n);
  const mag = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let t = 0;
      for (let p = 0; p < k; p++) {
        const x = a[i * ai + p * ap] * b[p * bp + j * bj];
        s += x;
        t += Math.abs(x);
      }
      ref[i * n + j] = s;
      mag[i * n + j] = t;
    }
  }
  return { ref, mag };
}

/** A float32 matrix with about `density` of its entries non-zero (normal values). */
export function sparse(rng: Rng, len: number, density: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) if (rng.uniform() < density) x[i] = rng.normal();
  return x;
}

/** Sizes of the masked-product tests: large enough to be split over threads. */
export const [MASKED_M, MASKED_K, MASKED_N] = [96, 300, 40];

/**
 * relu's backward shape at those sizes: y = (u·v + g·Wᵀ) · (p > 0), whose product is used only
 * through the masked root (inputs g [M,K], w [N,K], u [1,N], v [M,1], p [M,N]).
 */
export function reluBackwardNodes() {
  const [M, K, N] = [MASKED_M, MASKED_K, MASKED_N];
  const g = input('g', [M, K]);
  const w = input('w', [N, K]);
  const u = input('u', [1, N]);
  const v = input('v', [M, 1]);
  const p = input('p', [M, N]);
  return { g, w, p, y: mul(add(mul(u, v), matmul(g, w, { transB: true })), greater(p, 0)) };
}

/**
 * Feeds of relu's backward shape (u·v + g·Wᵀ)·(p > 0) at the masked-product test sizes: g [M,K],
 * w [N,K], u [1,N], v [M,1], and p [M,N] positive with probability `pOn`.
 */
export function maskedFeeds(rng: Rng, pOn: number) {
  const [M, K, N] = [MASKED_M, MASKED_K, MASKED_N];
  const p = new Float32Array(M * N);
  for (let i = 0; i < p.length; i++) p[i] = rng.uniform() < pOn ? rng.uniform() : -rng.uniform();
  return {
    g: Float32Array.from(rng.normalArray(M * K)),
    w: Float32Array.from(rng.normalArray(N * K)),
    u: Float32Array.from(rng.normalArray(N)),
    v: Float32Array.from(rng.normalArray(M)),
    p,
  };
}

/** The same feeds as float64 (for the reference backend). */
export const toF64 = (f: Record<string, Float32Array>) =>
  Object.fromEntries(Object.entries(f).map(([k, x]) => [k, Float64Array.from(x)]));
