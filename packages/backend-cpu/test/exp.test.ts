import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { fastExp } from '../src/kernels/exp.js';

describe('fastExp', () => {
  it('is within 1e-12 relative of Math.exp over the whole float64 range it handles itself', () => {
    const rng = new Rng(4);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (rng.uniform() - 0.5) * 1416;
      const want = Math.exp(x);
      worst = Math.max(worst, Math.abs(fastExp(x) - want) / want);
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('rounds to the same float32 as Math.exp on the inputs a sigmoid sees', () => {
    const rng = new Rng(8);
    let differ = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = Math.fround((rng.uniform() - 0.5) * 40);
      if (Math.fround(fastExp(x)) !== Math.fround(Math.exp(x))) differ++;
    }
    expect(differ).toBeLessThan(20); // a rare tie within 1e-12 of a float32 rounding boundary
  });

  it('edges: NaN, ±Inf, over- and underflow, ±0, the clamp and the ends of the tables', () => {
    expect(fastExp(Number.NaN)).toBeNaN();
    expect(fastExp(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
    expect(fastExp(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(fastExp(1000)).toBe(Number.POSITIVE_INFINITY);
    expect(fastExp(-1000)).toBe(0);
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-0)).toBe(1);
    expect(fastExp(1e300)).toBe(Number.POSITIVE_INFINITY);
    expect(fastExp(-1e300)).toBe(0);
    expect(fastExp(1500)).toBe(Number.POSITIVE_INFINITY);
    expect(fastExp(-1500)).toBe(0);
    expect(fastExp(709.79)).toBe(Number.POSITIVE_INFINITY); // just past the largest double
    for (const x of [-708.0001, -707.9999, 708.9999, 709.0001, 709.78, 1, -1, 0.5 * Math.LN2, 88.72]) {
      expect(Math.abs(fastExp(x) - Math.exp(x)) / Math.exp(x)).toBeLessThan(1e-12);
    }
    // Subnormal results: close to Math.exp in absolute terms, and the same (0) in float32.
    for (const x of [-710, -720, -740, -745, -746, -800]) {
      expect(Math.abs(fastExp(x) - Math.exp(x))).toBeLessThan(1e-320);
      expect(Math.fround(fastExp(x))).toBe(0);
    }
  });
});
