import { describe, expect, it } from 'vitest';
import { type SyntheticSparse, syntheticSparse } from '../src/index.js';

const small = { inputDim: 16, numFeatures: 24, activePerExample: 3, nTrain: 200, nTest: 50 };

/** x rebuilt from the codes and the dictionary, by the documented recipe. */
function rebuild(s: SyntheticSparse, split: 'train' | 'test', d: number, k: number): Float32Array {
  const { indices, coefs } = s.codes[split];
  const n = s[split].n;
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const f = indices[i * k + j];
      for (let t = 0; t < d; t++) x[i * d + t] += coefs[i * k + j] * s.dictionary[f * d + t];
    }
  }
  return x;
}

describe('syntheticSparse', () => {
  it('has the default sizes', () => {
    const s = syntheticSparse();
    expect([s.train.n, s.train.dim, s.test.n, s.test.dim]).toEqual([50000, 64, 5000, 64]);
    expect(s.train.x.length).toBe(50000 * 64);
    expect(s.dictionary.length).toBe(128 * 64);
    expect(s.codes.train.indices.length).toBe(50000 * 4);
    expect([s.train.name, s.test.name]).toEqual(['synthetic-sparse/train', 'synthetic-sparse/test']);
    expect(s.train.labels).toBeUndefined();
  });

  it('is deterministic for a seed', () => {
    const a = syntheticSparse({ ...small, seed: 3 });
    const b = syntheticSparse({ ...small, seed: 3 });
    expect(b.dictionary).toEqual(a.dictionary);
    expect(b.train.x).toEqual(a.train.x);
    expect(b.test.x).toEqual(a.test.x);
    expect(b.codes).toEqual(a.codes);
  });

  it('differs across seeds', () => {
    const a = syntheticSparse({ ...small, seed: 1 });
    const b = syntheticSparse({ ...small, seed: 2 });
    const differ = (p: Float32Array, q: Float32Array) => p.filter((v, i) => v !== q[i]).length;
    expect(differ(a.dictionary, b.dictionary)).toBeGreaterThan(a.dictionary.length * 0.99);
    expect(differ(a.train.x, b.train.x)).toBeGreaterThan(a.train.x.length * 0.99);
    expect(differ(a.test.x, b.test.x)).toBeGreaterThan(a.test.x.length * 0.99);
  });

  it('keeps the dictionary and the test set independent of the split sizes', () => {
    const a = syntheticSparse({ ...small, nTrain: 10 });
    const b = syntheticSparse({ ...small, nTrain: 30 });
    expect(b.dictionary).toEqual(a.dictionary);
    expect(b.test.x).toEqual(a.test.x);
    expect(b.train.x.subarray(0, 10 * small.inputDim)).toEqual(a.train.x);
    expect(b.train.x).not.toEqual(b.test.x.subarray(0, 30 * small.inputDim));
  });

  it('has unit-norm dictionary rows', () => {
    const { dictionary } = syntheticSparse({ ...small, nTrain: 0, nTest: 0 });
    for (let f = 0; f < small.numFeatures; f++) {
      let sq = 0;
      for (let t = 0; t < small.inputDim; t++) sq += dictionary[f * small.inputDim + t] ** 2;
      expect(Math.sqrt(sq)).toBeCloseTo(1, 6);
    }
  });

  it('builds each example from exactly k distinct features with coefficients in [0, 1)', () => {
    const { inputDim: d, numFeatures: m, activePerExample: k } = small;
    const s = syntheticSparse({ ...small, seed: 9 });
    for (const split of ['train', 'test'] as const) {
      const { indices, coefs } = s.codes[split];
      const n = s[split].n;
      expect(indices.length).toBe(n * k);
      for (let i = 0; i < n; i++) {
        const row = Array.from(indices.subarray(i * k, (i + 1) * k));
        expect(new Set(row).size).toBe(k);
        for (const f of row) expect(f).toBeLessThan(m);
      }
      for (const c of coefs) {
        expect(c).toBeGreaterThanOrEqual(0);
        expect(c).toBeLessThan(1);
      }
      const x = rebuild(s, split, d, k);
      let maxDiff = 0;
      for (let i = 0; i < x.length; i++) maxDiff = Math.max(maxDiff, Math.abs(x[i] - s[split].x[i]));
      expect(maxDiff).toBeLessThan(1e-6);
    }
  });

  it('draws features uniformly and coefficients with mean 1/2', () => {
    const m = 16;
    const k = 4;
    const n = 20000;
    const s = syntheticSparse({ inputDim: 2, numFeatures: m, activePerExample: k, nTrain: n, nTest: 0 });
    const counts = new Array<number>(m).fill(0);
    for (const f of s.codes.train.indices) counts[f]++;
    const expected = (n * k) / m;
    for (const c of counts) expect(Math.abs(c - expected) / expected).toBeLessThan(0.05);
    const mean = s.codes.train.coefs.reduce((a, b) => a + b, 0) / s.codes.train.coefs.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
  });

  it('allows every feature active (k = numFeatures)', () => {
    const s = syntheticSparse({ inputDim: 3, numFeatures: 5, activePerExample: 5, nTrain: 20, nTest: 2 });
    for (let i = 0; i < 20; i++) {
      expect(Array.from(s.codes.train.indices.subarray(i * 5, i * 5 + 5)).sort()).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it('validates its options with clear RangeErrors', () => {
    expect(() => syntheticSparse({ numFeatures: 8, activePerExample: 9 })).toThrow(
      new RangeError('syntheticSparse: activePerExample (9) must be <= numFeatures (8)'),
    );
    expect(() => syntheticSparse({ activePerExample: 0 })).toThrow(
      /activePerExample must be an integer >= 1, got 0/,
    );
    expect(() => syntheticSparse({ inputDim: 2.5 })).toThrow(/inputDim must be an integer >= 1, got 2\.5/);
    expect(() => syntheticSparse({ nTrain: -1 })).toThrow(/nTrain must be an integer >= 0, got -1/);
    expect(() => syntheticSparse({ nTest: Number.NaN })).toThrow(/nTest must be an integer >= 0, got NaN/);
    expect(() => syntheticSparse({ numFeatures: 0 })).toThrow(RangeError);
    expect(() => syntheticSparse({ seed: 0.5 })).toThrow(/seed must be an integer, got 0\.5/);
  });
});
