import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { allFinite, copyFinite } from '../src/kernels/finite.js';
import { matmul } from '../src/kernels/matmul.js';
import { matmulAuto } from '../src/kernels/matmul-auto.js';
import { sampledDensity, sparseMaxDensity, trySparseMatmul } from '../src/kernels/sparse-matmul.js';
import { matmulReference, sparse } from './helpers.js';

/** [m, k, n]: the sparse products of a seed step, odd sizes (tails of the 8-wide sweep), b wider than the scratch, a tall a. */
const SHAPES: [number, number, number][] = [
  [256, 784, 64],
  [256, 64, 784],
  [64, 256, 784],
  [784, 256, 64],
  [7, 19, 13],
  [33, 100, 9],
  [40, 300, 1000],
  [1500, 784, 16], // more non-zeros than the gather scratch holds: gathered in blocks of rows
];

describe('zero-skipping matmul', () => {
  for (const [m, k, n] of SHAPES) {
    for (const transA of [false, true]) {
      it(`${m}x${k}x${n} transA=${transA}: every element within float32 rounding of the float64 product`, () => {
        const rng = new Rng(m * 31 + k * 7 + n + (transA ? 1 : 0));
        // Under every threshold (a b of more than 2^18 values is taken below 20% non-zero).
        const a = sparse(rng, m * k, 0.15);
        const b = sparse(rng, k * n, 1);
        const out = new Float32Array(m * n).fill(Number.NaN);
        expect(trySparseMatmul({ a, b, out, m, n, k, transA, transB: false })).toBe(true);
        const { ref, mag } = matmulReference(a, b, m, n, k, transA, false);
        for (let i = 0; i < m * n; i++) {
          const err = Math.abs(out[i] - ref[i]) / (mag[i] + 1e-30);
          if (!(err <= 1e-6)) throw new Error(`element ${i}: got ${out[i]}, want ${ref[i]}`);
        }
      });
    }
  }

  it('a b read in place, rows with several chunks of non-zeros: the float64 sum in order, rounded once', () => {
    // b [1200, 1003] is read in place (more than the pack holds) in chunks of 65 rows; each output
    // row has ~180 non-zeros, so its sums carry across chunks. Chunking must not change a bit.
    const [m, k, n] = [24, 1200, 1003];
    for (const transA of [false, true]) {
      const rng = new Rng(transA ? 5 : 4);
      const a = sparse(rng, m * k, 0.15);
      const b = sparse(rng, k * n, 1);
      const out = new Float32Array(m * n).fill(Number.NaN);
      expect(trySparseMatmul({ a, b, out, m, n, k, transA, transB: false })).toBe(true);
      const { ref } = matmulReference(a, b, m, n, k, transA, false);
      for (let i = 0; i < m * n; i++) {
        if (out[i] !== Math.fround(ref[i]))
          throw new Error(`element ${i}: got ${out[i]}, want ${Math.fround(ref[i])}`);
      }
    }
  });

  it('a row range computes exactly those rows, bit-identical to the whole product', () => {
    const rng = new Rng(5);
    const [m, k, n] = [50, 200, 24];
    for (const transA of [false, true]) {
      const a = sparse(rng, m * k, 0.2);
      const b = sparse(rng, k * n, 1);
      const whole = new Float32Array(m * n);
      expect(trySparseMatmul({ a, b, out: whole, m, n, k, transA, transB: false })).toBe(true);
      const parts = new Float32Array(m * n).fill(Number.NaN);
      for (const [r0, r1] of [
        [0, 17],
        [17, 18],
        [18, 50],
      ])
        expect(trySparseMatmul({ a, b, out: parts, m, n, k, transA, transB: false }, r0, r1)).toBe(true);
      expect(parts).toEqual(whole);
    }
  });

  it('declines (writing nothing) when op(a) is dense, b is transposed, or the arrays are float64', () => {
    const rng = new Rng(1);
    const [m, k, n] = [20, 30, 16];
    const out = new Float32Array(m * n).fill(7);
    const product = (a: Float32Array | Float64Array, b: Float32Array | Float64Array, transB = false) => ({
      a,
      b,
      out: a instanceof Float64Array ? new Float64Array(m * n) : out,
      m,
      n,
      k,
      transA: false,
      transB,
    });
    expect(trySparseMatmul(product(sparse(rng, m * k, 0.95), sparse(rng, k * n, 1)))).toBe(false);
    expect(trySparseMatmul(product(sparse(rng, m * k, 0.1), sparse(rng, k * n, 1), true))).toBe(false);
    const a64 = Float64Array.from(sparse(rng, m * k, 0.1));
    const b64 = Float64Array.from(sparse(rng, k * n, 1));
    expect(trySparseMatmul(product(a64, b64))).toBe(false);
    expect(out.every((v) => v === 7)).toBe(true);
  });

  it('keeps NaN where a dense product has it: 0·Inf in a skipped term sends the product to the dense kernel', () => {
    const [m, k, n] = [16, 32, 8];
    const a = new Float32Array(m * k); // all zeros: every term would be skipped
    a[3] = 1;
    const b = new Float32Array(k * n).fill(1);
    b[5 * n + 2] = Number.POSITIVE_INFINITY; // row 5 of b meets only zeros of a
    expect(
      trySparseMatmul({ a, b, out: new Float32Array(m * n), m, n, k, transA: false, transB: false }),
    ).toBe(false);
    const auto = new Float32Array(m * n);
    const dense = new Float32Array(m * n);
    matmulAuto({ a, b, out: auto, m, n, k, transA: false, transB: false });
    matmul({ a, b, out: dense, m, n, k, transA: false, transB: false });
    expect(Number.isNaN(auto[2])).toBe(true);
    expect(auto).toEqual(dense);
    // The same when b is too large to pack (read in place).
    const [m2, k2, n2] = [8, 300, 400];
    const a2 = new Float32Array(m2 * k2);
    a2[0] = 1;
    const b2 = new Float32Array(k2 * n2).fill(1);
    b2[k2 * n2 - 1] = Number.NaN;
    const big = { a: a2, b: b2, m: m2, n: n2, k: k2, transA: false, transB: false };
    expect(trySparseMatmul({ ...big, out: new Float32Array(m2 * n2) })).toBe(false);
    b2[k2 * n2 - 1] = 1;
    expect(trySparseMatmul({ ...big, out: new Float32Array(m2 * n2) })).toBe(true);
    // b read in place is checked through the result: an Inf in a row the sweep reads (row 0) shows
    // in the output; one in a row it never reads (299, above) is found by a look at that row.
    b2[7] = Number.POSITIVE_INFINITY;
    expect(trySparseMatmul({ ...big, out: new Float32Array(m2 * n2) })).toBe(false);
    a2[k2 + 1] = 2; // row 1 of a reads row 1 of b: finite, but rows 0.. of the output are not
    const auto2 = new Float32Array(m2 * n2);
    const dense2 = new Float32Array(m2 * n2);
    matmulAuto({ ...big, out: auto2 });
    matmul({ ...big, out: dense2 });
    expect(auto2).toEqual(dense2);
    expect(auto2[7]).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(auto2[n2 + 7])).toBe(true); // 0·Inf in row 1, as in the dense product
    // NaN in a itself is a non-zero and propagates through the sparse path.
    const b1 = new Float32Array(k * n).fill(1);
    a[7] = Number.NaN;
    const out = new Float32Array(m * n);
    expect(trySparseMatmul({ a, b: b1, out, m, n, k, transA: false, transB: false })).toBe(true);
    expect(Number.isNaN(out[0])).toBe(true);
    expect(out[n]).toBe(0);
  });

  it('density is estimated from a fixed sample; the threshold sits where the kernels cross over', () => {
    const rng = new Rng(2);
    const x = sparse(rng, 100_000, 0.3);
    expect(Math.abs(sampledDensity(x) - 0.3)).toBeLessThan(0.02);
    expect(sampledDensity(x)).toBe(sampledDensity(x));
    expect(sampledDensity(new Float32Array(0))).toBe(0);
    // MNIST (18% non-zero) and a trained ReLU code (~25%) qualify at the seed model's widths; a
    // code at initialisation (~52%) does not.
    expect(sparseMaxDensity(64)).toBeGreaterThan(0.25);
    expect(sparseMaxDensity(784)).toBeGreaterThan(0.25);
    expect(sparseMaxDensity(784)).toBeLessThan(0.52);
    // A b past L2 (a JumpReLU decoder's W_dec [16384, 768]): the dense kernel from 20%, so a code
    // at initialisation (~50%) goes dense and a trained one (under 1%) sparse.
    expect(sparseMaxDensity(768, 16384 * 768)).toBe(0.2);
    expect(sparseMaxDensity(784, 256 * 784)).toBe(sparseMaxDensity(784));
    const [m, k, n] = [8, 600, 500];
    const b = sparse(rng, k * n, 1);
    const out = new Float32Array(m * n);
    expect(
      trySparseMatmul({ a: sparse(rng, m * k, 0.3), b, out, m, n, k, transA: false, transB: false }),
    ).toBe(false);
    expect(
      trySparseMatmul({ a: sparse(rng, m * k, 0.1), b, out, m, n, k, transA: false, transB: false }),
    ).toBe(true);
  });

  it('allFinite finds a single Inf or NaN anywhere, and passes huge finite values', () => {
    const x = new Float32Array(1001).fill(3.4e38);
    expect(allFinite(x)).toBe(true);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const at of [0, 3, 999, 1000]) {
        const y = x.slice();
        y[at] = bad;
        expect(allFinite(y)).toBe(false);
        expect(allFinite(y, 0, at)).toBe(true); // only the first `at` values are looked at
        expect(allFinite(y, at, at + 1)).toBe(false); // and a range of just that one
      }
    }
  });

  it('copyFinite copies every value as float64 and reports a single Inf or NaN anywhere, the tail included', () => {
    const src = Float32Array.from({ length: 1003 }, (_, i) => (i % 7) - 3.5 + i * 1e-3);
    for (const len of [0, 1, 3, 4, 1003]) {
      const dst = new Float64Array(1010).fill(-1);
      expect(copyFinite(dst, src, len)).toBe(true);
      expect([...dst.subarray(0, len)]).toEqual([...src.subarray(0, len)]);
      expect(dst[len]).toBe(-1);
    }
    // From an offset into src (a row of a matrix): dst[q] = src[from + q].
    const row = new Float64Array(8).fill(-1);
    expect(copyFinite(row, src, 5, 998)).toBe(true);
    expect([...row.subarray(0, 5)]).toEqual([...src.subarray(998, 1003)]);
    expect(row[5]).toBe(-1);
    const y = src.slice();
    y[1000] = Number.NaN;
    expect(copyFinite(row, y, 5, 998)).toBe(false);
    expect(copyFinite(row, y, 2, 998)).toBe(true); // the NaN lies beyond what was asked
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
      for (const at of [0, 2, 500, 1001, 1002]) {
        const y = src.slice();
        y[at] = bad;
        expect(copyFinite(new Float64Array(1003), y, 1003)).toBe(false);
      }
    }
  });
});
