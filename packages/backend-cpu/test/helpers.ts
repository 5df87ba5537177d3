import {
  add,
  constant,
  Graph as G,
  type Graph,
  grad,
  greater,
  input,
  matmul,
  mul,
  type Node,
  Rng,
  type Shape,
  sizeOf,
  sum,
} from '@saekit/core';
import { createReferenceBackend } from '../src/index.js';

export const ref = createReferenceBackend();

/** Runs a graph once on the float64 reference. */
export function run64(graph: Graph, feeds: Record<string, Float64Array>): Record<string, Float64Array> {
  return ref.compileSync(graph).runSync(feeds);
}

export function randn(rng: Rng, shape: Shape, scale = 1, offset = 0): Float64Array {
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = offset + scale * rng.normal();
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Checks every VJP on the path from the inputs to `f(inputs)` against central finite differences
 * in float64. The scalar objective is sum(f(x) * w) with fixed random w, so every output element
 * contributes with a different weight. Returns the worst relative error.
 */
export function gradCheck(
  f: (...xs: Node[]) => Node,
  values: Float64Array[],
  shapes: Shape[],
  opts: { eps?: number; rng?: Rng } = {},
): number {
  const eps = opts.eps ?? 1e-6;
  const rng = opts.rng ?? new Rng(99);
  const xs = shapes.map((s, i) => input(`x${i}`, s));
  const y = f(...xs);
  const w = constant(randn(rng, y.shape), y.shape);
  const loss = sum(mul(y, w));
  const gs = grad(loss, xs);
  const graph = G.from({ outputs: { loss, ...Object.fromEntries(gs.map((g, i) => [`g${i}`, g])) } });
  const exe = ref.compileSync(graph);
  const feeds = Object.fromEntries(values.map((v, i) => [`x${i}`, v]));
  const res = exe.runSync(feeds);
  const analytic = gs.map((_, i) => Float64Array.from(res[`g${i}`]));
  let worst = 0;
  values.forEach((v, i) => {
    for (let j = 0; j < v.length; j++) {
      const keep = v[j];
      v[j] = keep + eps;
      const up = exe.runSync(feeds).loss[0];
      v[j] = keep - eps;
      const down = exe.runSync(feeds).loss[0];
      v[j] = keep;
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - analytic[i][j]) / Math.max(1, Math.abs(numeric));
      worst = Math.max(worst, err);
    }
  });
  return worst;
}

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
