import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { HYPER_MAX_DENSITY, tryHypersparseMatmul } from '../src/kernels/hypersparse-matmul.js';
import { matmul } from '../src/kernels/matmul.js';
import { matmulReference, sparse } from './helpers.js';

function dense(rng: Rng, len: number): Float32Array {
  const x = new Float32Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

/** [m, k, n, transA]: the TopK encoder gradient xᵀ·δ in small, odd sizes, and a·b untransposed. */
const SHAPES: [number, number, number, boolean][] = [
  [48, 64, 512, true],
  [7, 33, 301, true],
  [20, 50, 1000, false],
  [1, 9, 4000, false],
];

describe('op(a)·b from the non-zeros of a nearly empty b', () => {
  for (const [m, k, n, transA] of SHAPES) {
    it(`${m}x${k}x${n}${transA ? ' (aᵀ)' : ''}: within float32 rounding of the float64 product; a row range writes only its rows`, () => {
      const rng = new Rng(m * 7 + k * 3 + n);
      const a = dense(rng, m * k);
      const b = sparse(rng, k * n, 0.01);
      const out = new Float32Array(m * n).fill(Number.NaN);
      const args = { a, b, out, m, n, k, transA, transB: false };
      expect(tryHypersparseMatmul(args)).toBe(true);
      const { ref, mag } = matmulReference(a, b, m, n, k, transA, false);
      for (let q = 0; q < out.length; q++) {
        expect(Math.abs(out[q] - ref[q])).toBeLessThanOrEqual(2 ** -23 * mag[q] + 1e-30);
      }
      if (m > 2) {
        const part = new Float32Array(m * n).fill(7);
        expect(tryHypersparseMatmul({ ...args, out: part }, 1, 2)).toBe(true);
        expect(part.subarray(n, 2 * n)).toEqual(out.subarray(n, 2 * n));
        expect(part[0]).toBe(7);
        expect(part[2 * n]).toBe(7);
      }
    });
  }

  it('NaN and Inf in a give NaN where the dense product has it (Inf·0), and Inf in b is kept', () => {
    const [m, k, n] = [6, 10, 400];
    const rng = new Rng(5);
    const a = dense(rng, k * m);
    const b = sparse(rng, k * n, 0.01);
    a[3 * m + 2] = Number.POSITIVE_INFINITY;
    a[5 * m + 4] = Number.NaN;
    b[7 * n + 11] = Number.NEGATIVE_INFINITY;
    const out = new Float32Array(m * n);
    const want = new Float32Array(m * n);
    expect(tryHypersparseMatmul({ a, b, out, m, n, k, transA: true, transB: false })).toBe(true);
    matmul({ a, b, out: want, m, n, k, transA: true, transB: false });
    for (let q = 0; q < out.length; q++) {
      if (Number.isNaN(want[q])) expect(out[q], `at ${q}`).toBeNaN();
      else if (!Number.isFinite(want[q])) expect(out[q], `at ${q}`).toBe(want[q]);
    }
    expect(out.filter(Number.isNaN).length).toBe(want.filter(Number.isNaN).length);
    expect(out.filter(Number.isNaN).length).toBeGreaterThan(n);
  });

  it('declines a b denser than its bound, transB and float64, writing nothing', () => {
    const [m, k, n] = [4, 16, 256];
    const rng = new Rng(9);
    const a = dense(rng, m * k);
    const out = new Float32Array(m * n).fill(3);
    const b = sparse(rng, k * n, 4 * HYPER_MAX_DENSITY);
    expect(tryHypersparseMatmul({ a, b, out, m, n, k, transA: false, transB: false })).toBe(false);
    const thin = sparse(rng, k * n, 0.005);
    expect(tryHypersparseMatmul({ a, b: thin, out, m, n, k, transA: false, transB: true })).toBe(false);
    const a64 = Float64Array.from(a);
    expect(tryHypersparseMatmul({ a: a64, b: thin, out, m, n, k, transA: false, transB: false })).toBe(false);
    expect(out.every((v) => v === 3)).toBe(true);
  });
});
