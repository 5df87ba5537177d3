import { Rng } from '@saekit/core';
import { MATMUL_MODES } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { matmul } from '../src/kernels/matmul.js';
import { matmulReference as reference } from './helpers.js';

type Ctor = Float32ArrayConstructor | Float64ArrayConstructor;
type Arr = Float32Array | Float64Array;

function random(T: Ctor, len: number, rng: Rng): Arr {
  const x = new T(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

const TOL: Record<string, number> = { Float32Array: 1e-5, Float64Array: 1e-12 };

/** Runs matmul on random data (out pre-filled with NaN) and checks every element against the reference. */
function check(T: Ctor, m: number, k: number, n: number, transA: boolean, transB: boolean, seed = 1): void {
  const rng = new Rng(seed + 7919 * m + 104729 * n + 13 * k + (transA ? 2 : 0) + (transB ? 1 : 0));
  const a = random(T, m * k, rng);
  const b = random(T, k * n, rng);
  const out = new T(m * n).fill(Number.NaN);
  matmul({ a, b, out, m, n, k, transA, transB });
  const { ref, mag } = reference(a, b, m, n, k, transA, transB);
  const tol = TOL[T.name];
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < m * n; i++) {
    const err = Math.abs(out[i] - ref[i]) / (mag[i] + 1e-30);
    // NaN (an element never written) fails this comparison and is caught below.
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  if (!(worst <= tol)) {
    throw new Error(
      `${T.name} ${m}x${k}x${n} transA=${transA} transB=${transB}: relative error ${worst} at ${worstAt} ` +
        `(got ${out[worstAt]}, want ${ref[worstAt]})`,
    );
  }
}

const TYPES: Ctor[] = [Float32Array, Float64Array];

/** [m, k, n] */
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 17, 1],
  [7, 13, 5],
  [17, 1, 33],
  [2, 3, 2],
  [3, 5, 2],
  [4, 9, 3],
  [5, 2, 7],
  [6, 31, 4],
  [1, 784, 64], // vector × matrix path
  [256, 784, 1], // matrix × vector path
  [2, 300, 5],
  [9, 255, 11],
  [10, 256, 10],
  [11, 257, 9],
  [13, 513, 3], // k split into 3 blocks of 171
  [254, 256, 255], // m just below one A block, n just below one B block
  [256, 256, 257], // m and n just above one block
  [270, 1000, 270], // several k, m and n blocks, uneven splits
];

/**
 * The five products of a seed-model training step (batch 256, 784 → 64 → 784) as [m, k, n]: x·W_enc and
 * g·W_decᵀ share [256, 784, 64] (they differ only in transB, and every combination is tested).
 */
const SEED: [number, number, number][] = [
  [256, 784, 64],
  [256, 64, 784],
  [64, 256, 784],
  [784, 256, 64],
];

describe('matmul', () => {
  for (const T of TYPES) {
    describe(T.name, () => {
      for (const [m, k, n] of SHAPES) {
        it(`${m}x${k}x${n}, all transpose combinations`, () => {
          for (const [ta, tb] of MATMUL_MODES) check(T, m, k, n, ta, tb);
        });
      }
      it('seed-model shapes, all transpose combinations', () => {
        for (const [m, k, n] of SEED) {
          for (const [ta, tb] of MATMUL_MODES) check(T, m, k, n, ta, tb);
        }
      });

      it('k = 0 gives zeros', () => {
        for (const [ta, tb] of MATMUL_MODES) {
          const out = new T(12).fill(Number.NaN);
          matmul({ a: new T(0), b: new T(0), out, m: 3, n: 4, k: 0, transA: ta, transB: tb });
          expect([...out]).toEqual(new Array(12).fill(0));
        }
      });

      it('m = 0 or n = 0 is a no-op', () => {
        const out = new T(4).fill(5);
        matmul({ a: new T(0), b: new T(12), out, m: 0, n: 4, k: 3, transA: false, transB: false });
        matmul({ a: new T(6), b: new T(0), out, m: 2, n: 0, k: 3, transA: false, transB: false });
        expect([...out]).toEqual([5, 5, 5, 5]);
      });

      it('overwrites out (no accumulation across calls) and writes nothing past m·n', () => {
        const rng = new Rng(3);
        for (const [m, k, n] of [
          [7, 13, 5],
          [1, 9, 6],
          [6, 9, 1],
          [40, 600, 30],
        ]) {
          const a = random(T, m * k, rng);
          const b = random(T, k * n, rng);
          const out = new T(m * n + 3).fill(Number.NaN);
          out.fill(-7, m * n);
          matmul({ a, b, out, m, n, k, transA: false, transB: true });
          const first = out.slice();
          matmul({ a, b, out, m, n, k, transA: false, transB: true });
          expect(out).toEqual(first);
          expect([...out.subarray(m * n)]).toEqual([-7, -7, -7]);
        }
      });

      it('multiplies by the identity exactly', () => {
        const n = 37;
        const rng = new Rng(5);
        const a = random(T, 11 * n, rng);
        const eye = new T(n * n);
        for (let i = 0; i < n; i++) eye[i * n + i] = 1;
        const out = new T(11 * n);
        matmul({ a, b: eye, out, m: 11, n, k: n, transA: false, transB: false });
        expect(out).toEqual(a);
      });
    });
  }

  it('allocates nothing per call: array-buffer memory does not grow over 80 calls', () => {
    const [m, k, n] = [256, 784, 64];
    const rng = new Rng(9);
    const a = random(Float32Array, m * k, rng);
    const b = random(Float32Array, k * n, rng);
    const out = new Float32Array(m * n);
    for (const [ta, tb] of MATMUL_MODES) matmul({ a, b, out, m, n, k, transA: ta, transB: tb });
    const before = process.memoryUsage().arrayBuffers;
    for (let r = 0; r < 20; r++)
      for (const [ta, tb] of MATMUL_MODES) matmul({ a, b, out, m, n, k, transA: ta, transB: tb });
    const grown = process.memoryUsage().arrayBuffers - before;
    // A per-call packing buffer for this shape would be ≥ 400 KB × 80 calls = 32 MB; the bound leaves room
    // for unrelated activity in the same process.
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });

  it('float32 and float64 calls can be interleaved', () => {
    for (let r = 0; r < 3; r++) {
      check(Float32Array, 30, 40, 20, false, false, r);
      check(Float64Array, 30, 40, 20, true, true, r);
    }
  });
});
