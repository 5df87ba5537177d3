import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { matmul } from '../src/kernels/matmul.js';
import { matmulAuto } from '../src/kernels/matmul-auto.js';
import { OUTER_MAX_DENSITY, tryOuterMatmul } from '../src/kernels/outer-matmul.js';
import { trySparseMatmul } from '../src/kernels/sparse-matmul.js';
import { matmulReference, sparse } from './helpers.js';

/**
 * [m, k, n] of out[m,n] = aᵀ·b with a [k,m], b [k,n]: the encoder gradient of the seed model, odd
 * sizes (tails of the unrolled loops), a single column, and outputs larger than the accumulator
 * (computed in blocks of rows).
 */
const SHAPES: [number, number, number][] = [
  [784, 256, 64],
  [13, 40, 9],
  [50, 33, 1],
  [300, 40, 300],
  [5, 30, 30_000],
];

describe('aᵀ·b from the non-zeros of both operands', () => {
  for (const [m, k, n] of SHAPES) {
    it(`${m}x${k}x${n}: within float32 rounding of the float64 product, and equal to the one-sided sparse kernel`, () => {
      const rng = new Rng(m * 17 + k * 5 + n);
      const a = sparse(rng, k * m, 0.15);
      const b = sparse(rng, k * n, 0.2);
      const out = new Float32Array(m * n).fill(Number.NaN);
      expect(tryOuterMatmul({ a, b, out, m, n, k, transA: true, transB: false })).toBe(true);
      const { ref, mag } = matmulReference(a, b, m, n, k, true, false);
      for (let i = 0; i < m * n; i++) {
        const err = Math.abs(out[i] - ref[i]) / (mag[i] + 1e-30);
        if (!(err <= 1e-6)) throw new Error(`element ${i}: got ${out[i]}, want ${ref[i]}`);
      }
      // The same float64 sums of the same terms in the same order as the sweep kernel.
      const sweep = new Float32Array(m * n);
      if (trySparseMatmul({ a, b, out: sweep, m, n, k, transA: true, transB: false }))
        expect(out).toEqual(sweep);
    });
  }

  it('a range of output rows computes exactly those rows, bit-identical to the whole product', () => {
    const rng = new Rng(3);
    const [m, k, n] = [60, 90, 20];
    const a = sparse(rng, k * m, 0.2);
    const b = sparse(rng, k * n, 0.2);
    const whole = new Float32Array(m * n);
    expect(tryOuterMatmul({ a, b, out: whole, m, n, k, transA: true, transB: false })).toBe(true);
    const parts = new Float32Array(m * n).fill(Number.NaN);
    for (const [r0, r1] of [
      [0, 21],
      [21, 22],
      [22, 60],
    ])
      expect(tryOuterMatmul({ a, b, out: parts, m, n, k, transA: true, transB: false }, r0, r1)).toBe(true);
    expect(parts).toEqual(whole);
  });

  it('declines (writing nothing) for a dense b or a, a non-finite b, b wider than the accumulator, float64 arrays, or not aᵀ·b', () => {
    const rng = new Rng(4);
    const [m, k, n] = [20, 30, 16];
    const out = new Float32Array(m * n).fill(7);
    /** aᵀ·b for a [k',m], b [k',n'] (k' = k, n' = n unless given). */
    const outer = (a: Float32Array | Float64Array, b: Float32Array | Float64Array, cols = n, depth = k) =>
      tryOuterMatmul({
        a,
        b,
        out: a instanceof Float64Array ? new Float64Array(m * n) : out,
        m,
        n: cols,
        k: depth,
        transA: true,
        transB: false,
      });
    expect(outer(sparse(rng, k * m, 0.1), sparse(rng, k * n, OUTER_MAX_DENSITY + 0.3))).toBe(false);
    expect(outer(sparse(rng, k * m, 0.95), sparse(rng, k * n, 0.1))).toBe(false);
    const b = sparse(rng, k * n, 0.1);
    b[k * n - 1] = Number.POSITIVE_INFINITY;
    expect(outer(sparse(rng, k * m, 0.1), b)).toBe(false);
    expect(outer(sparse(rng, 2 * m, 0.1), sparse(rng, 2 * 70_000, 0.1), 70_000, 2)).toBe(false);
    expect(
      outer(Float64Array.from(sparse(rng, k * m, 0.1)), Float64Array.from(sparse(rng, k * n, 0.1))),
    ).toBe(false);
    // Sparse enough, but a·b (not aᵀ·b): the outer-product form does not apply.
    const a = sparse(rng, m * k, 0.1);
    expect(
      tryOuterMatmul({ a, b: sparse(rng, k * n, 0.1), out, m, n, k, transA: false, transB: false }),
    ).toBe(false);
    expect(out.every((v) => v === 7)).toBe(true);
  });

  it('an Inf or NaN in a meets the zeros of b as the dense product does (NaN), and matmulAuto agrees with it', () => {
    const [m, k, n] = [12, 10, 8];
    const a = new Float32Array(k * m);
    const b = new Float32Array(k * n);
    a[2 * m + 3] = Number.POSITIVE_INFINITY; // a[2,3]: output row 3 gets Inf·b[2,:]
    a[5 * m + 4] = Number.NaN; // a[5,4]: output row 4 gets NaN everywhere
    a[7 * m + 1] = 2;
    b[2 * n + 1] = 3; // row 2 of b: one non-zero, so Inf·0 elsewhere
    b[7 * n + 6] = -1;
    const out = new Float32Array(m * n);
    expect(tryOuterMatmul({ a, b, out, m, n, k, transA: true, transB: false })).toBe(true);
    const dense = new Float32Array(m * n);
    matmul({ a, b, out: dense, m, n, k, transA: true, transB: false });
    expect(out).toEqual(dense);
    expect(out[3 * n + 1]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(out[3 * n])).toBe(true);
    expect(out.subarray(4 * n, 5 * n).every(Number.isNaN)).toBe(true);
    expect(out[n + 6]).toBe(-2);
    const auto = new Float32Array(m * n);
    matmulAuto({ a, b, out: auto, m, n, k, transA: true, transB: false });
    expect(auto).toEqual(dense);
  });
});
