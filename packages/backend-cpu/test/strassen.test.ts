import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { denseProductTask } from '../src/dense-task.js';
import { matmul } from '../src/kernels/matmul.js';
import { denseKernelOf, MATMUL, matmulAuto } from '../src/kernels/matmul-auto.js';
import { planStrassen, STRASSEN_LIMITS, strassenCounter, strassenLevels } from '../src/kernels/strassen.js';
import { ThreadPool } from '../src/parallel/pool.js';
import { matmulReference } from './helpers.js';

// Strassen (strassen.ts) on shapes small enough to check against a float64 product: dimensions not
// divisible by 2^L so every peel (rows, columns, k terms) runs, and both transposes.

interface Case {
  readonly m: number;
  readonly k: number;
  readonly n: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

function operands({ m, k, n }: Case, seed: number) {
  const rng = new Rng(seed);
  return { a: Float32Array.from(rng.normalArray(m * k)), b: Float32Array.from(rng.normalArray(k * n)) };
}

/** max |got − want| and max |want|. */
function maxErr(got: Float32Array, want: Float64Array): { err: number; scale: number } {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    // NaN (an entry never written) fails `<=` and becomes the error.
    const e = Math.abs(got[i] - want[i]);
    if (!(e <= err)) err = e;
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return { err, scale };
}

/** out by `levels` of Strassen, its units run in the given pieces (fractions of the units). */
function strassen(c: Case, levels: number, a: Float32Array, b: Float32Array, cuts: readonly number[] = []) {
  const out = new Float32Array(c.m * c.n).fill(Number.NaN);
  const args = { a, b, out, ...c };
  const plan = planStrassen(args, levels);
  const bounds = [0, ...cuts.map((f) => Math.floor(f * plan.units)), plan.units];
  for (let i = 0; i + 1 < bounds.length; i++) plan.run(args, bounds[i], bounds[i + 1]);
  return out;
}

const CASES: Case[] = [
  { m: 131, k: 97, n: 263, transA: false, transB: false },
  { m: 130, k: 96, n: 260, transA: false, transB: false },
  { m: 133, k: 101, n: 67, transA: true, transB: false },
  { m: 71, k: 138, n: 99, transA: false, transB: true },
  { m: 66, k: 75, n: 90, transA: true, transB: true },
];

describe('Strassen products', () => {
  for (const c of CASES) {
    for (const levels of [1, 2]) {
      const name = `[${c.m},${c.k}]·[${c.k},${c.n}] transA=${c.transA} transB=${c.transB}, ${levels} level(s)`;
      it(`${name}: within 8× the classical kernel's error and 1e-4 of max|C| of a float64 product`, () => {
        const { a, b } = operands(c, 11 * c.m + c.n + levels);
        const { ref } = matmulReference(a, b, c.m, c.n, c.k, c.transA, c.transB);
        const classical = new Float32Array(c.m * c.n);
        matmul({ a, b, out: classical, ...c });
        const base = maxErr(classical, ref);
        const got = maxErr(strassen(c, levels, a, b), ref);
        expect(got.err).toBeLessThanOrEqual(8 * base.err);
        expect(got.err).toBeLessThanOrEqual(1e-4 * got.scale);
        // Strassen rounds differently from the classical kernel: equal results would mean it never ran.
        expect(got.err).not.toBe(base.err);
      });
    }
  }

  it('any split of the units into pieces gives the same values, bit for bit', () => {
    const c = CASES[0];
    const { a, b } = operands(c, 3);
    for (const levels of [1, 2]) {
      const whole = strassen(c, levels, a, b);
      expect(strassen(c, levels, a, b, [0.3, 0.31, 0.9])).toEqual(whole);
      expect(strassen(c, levels, a, b, [0.5])).toEqual(whole);
    }
  });

  it('a zero row or column of the operands gives exact zeros where the product is zero', () => {
    const c = CASES[1];
    const { a, b } = operands(c, 4);
    a.fill(0, 5 * c.k, 6 * c.k); // row 5 of a
    for (let p = 0; p < c.k; p++) b[p * c.n + 7] = 0; // column 7 of b
    const out = strassen(c, 2, a, b);
    for (let j = 0; j < c.n; j++) expect(Math.abs(out[5 * c.n + j])).toBeLessThan(1e-5);
    for (let i = 0; i < c.m; i++) expect(Math.abs(out[i * c.n + 7])).toBeLessThan(1e-5);
  });
});

describe('which products take Strassen', () => {
  it('a float64 product keeps the classical kernel even with a plan (the reference backend)', () => {
    const c = CASES[0];
    const rng = new Rng(21);
    const a = Float64Array.from(rng.normalArray(c.m * c.k));
    const b = Float64Array.from(rng.normalArray(c.k * c.n));
    const out = new Float64Array(c.m * c.n);
    const want = new Float64Array(c.m * c.n);
    const args = { a, b, out, ...c };
    matmulAuto(args, 0, c.m, planStrassen(args, 2));
    matmul({ ...args, out: want });
    expect(out).toEqual(want);
    // The same plan on float32 data does run Strassen.
    const f32 = {
      ...args,
      a: Float32Array.from(a),
      b: Float32Array.from(b),
      out: new Float32Array(c.m * c.n),
    };
    const before = strassenCounter.calls;
    matmulAuto(f32, 0, c.m, planStrassen(f32, 2));
    expect(strassenCounter.calls).toBeGreaterThan(before);
  });

  it('the scale encoder product (1024×768×16384) takes 2 levels; small or thin ones none', () => {
    expect(strassenLevels(1024, 16384, 768)).toBe(2);
    expect(denseKernelOf(1024, 16384, 768)).toBe('strassen-2');
    expect(strassenLevels(256, 64, 784)).toBe(0); // the seed model's encoder
    expect(denseKernelOf(256, 64, 784)).toBe('packed');
    expect(strassenLevels(2048, 2048, 200)).toBe(0); // 2^30 multiply-adds, but k/2 < minDim
    expect(strassenLevels(1024, 1024, 1023)).toBe(0); // just under 2^30
    expect(strassenLevels(1024, 1024, 1024)).toBe(2);
    expect(strassenLevels(300, 65536, 768)).toBe(1); // m/4 < minDim
    // Where the classical kernel is as fast or faster: blocks more than one k block deep, tall products.
    expect(strassenLevels(300, 65536, 65536)).toBe(0);
    expect(strassenLevels(1024, 16384, 3072)).toBe(0);
    expect(strassenLevels(1024, 16384, 1536)).toBe(2);
    expect(strassenLevels(1024, 768, 16384)).toBe(0); // a JumpReLU decoder's h·W_dec
    expect(strassenLevels(16384, 768, 1024)).toBe(0); // its weight gradient hᵀ·g
    expect(strassenLevels(768, 16384, 1024)).toBe(2); // the encoder's xᵀ·δ
    expect(STRASSEN_LIMITS.minMacs).toBe(2 ** 30);
  });

  it('the shared pieces of a large product on the pool run the Strassen path, with the accuracy bound', () => {
    const pool = ThreadPool.create(2)!;
    try {
      const [m, k, n] = [1024, 1024, 1024];
      const c = { m, k, n, transA: false, transB: false };
      const a = pool.alloc(m * k, 'float32') as Float32Array;
      const b = pool.alloc(k * n, 'float32') as Float32Array;
      const out = pool.alloc(m * n, 'float32') as Float32Array;
      const rng = new Rng(9);
      a.set(rng.normalArray(m * k));
      b.set(rng.normalArray(k * n));
      out.fill(Number.NaN);
      const task = pool.plan(MATMUL, { a, b, out, ...c }, m, undefined, 258);
      const before = strassenCounter.calls;
      task.run();
      task.release();
      expect(strassenCounter.calls).toBeGreaterThan(before);
      // Rows of C sampled against float64 (the whole reference would be 2^30 multiply-adds in a test).
      const rows = [0, 1, 255, 256, 511, 700, 1023];
      let err = 0;
      let scale = 0;
      for (const i of rows) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
          const e = Math.abs(out[i * n + j] - s);
          if (!(e <= err)) err = e; // NaN (a row no piece wrote) sticks
          scale = Math.max(scale, Math.abs(s));
        }
      }
      expect(err).toBeLessThanOrEqual(1e-4 * scale);
    } finally {
      pool.close();
    }
  });
});

describe('denseProductTask (the Strassen benchmark)', () => {
  it('runs the levels it is given on the pool, each within the accuracy bound of the classical run', () => {
    const [m, k, n] = [300, 260, 520];
    const task = denseProductTask(m, n, k, 2);
    try {
      const rng = new Rng(12);
      task.a.set(rng.normalArray(m * k));
      task.b.set(rng.normalArray(k * n));
      const { ref } = matmulReference(task.a, task.b, m, n, k, false, false);
      const errs = [0, 1, 2].map((levels) => {
        task.out.fill(Number.NaN);
        const before = strassenCounter.calls;
        task.run(levels);
        // The calling thread takes pieces of every run: it counts Strassen calls exactly when levels > 0.
        expect(strassenCounter.calls > before).toBe(levels > 0);
        return maxErr(task.out, ref);
      });
      for (const e of errs.slice(1)) {
        expect(e.err).toBeLessThanOrEqual(8 * errs[0].err);
        expect(e.err).toBeLessThanOrEqual(1e-4 * e.scale);
      }
    } finally {
      task.close();
    }
  });
});
