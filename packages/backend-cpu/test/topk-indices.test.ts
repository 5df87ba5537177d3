import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { TOPK_INDICES } from '../src/kernels/topk-indices.js';

// The row scan tests four values at a time and checks a group value by value only when one of them
// may enter (topk-indices.ts). An entry at any place in a group, in the tail after the last group,
// NaN on either side of the root, and ties (±0 included) must rank as a sort does.

/** The k best of a row by a sort: NaN first (lower index first), then larger value, then lower index. */
function sorted(row: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: row.length }, (_, j) => j);
  const key = (j: number) => (Number.isNaN(row[j]) ? Infinity : row[j]);
  idx.sort((p, q) => {
    const np = Number.isNaN(row[p]);
    const nq = Number.isNaN(row[q]);
    if (np !== nq) return np ? -1 : 1;
    return key(q) - key(p) || p - q;
  });
  return idx.slice(0, k);
}

function run(x: Float32Array, n: number, k: number, bias?: Float32Array): number[] {
  const rows = x.length / n;
  const out = new Float32Array(rows * k);
  TOPK_INDICES.bind(bias ? { x, out, n, k, bias } : { x, out, n, k })(0, rows);
  return Array.from(out);
}

/** Rows of values drawn from a few levels (so ties are common), with NaN, ±0 and ±Inf sprinkled in. */
function rowsOf(rng: Rng, rows: number, n: number): Float32Array {
  const levels = [-2, -1, -0, 0, 0.5, 1, 3, Infinity, -Infinity, Number.NaN];
  const x = new Float32Array(rows * n);
  for (let i = 0; i < x.length; i++) {
    const u = rng.uniform();
    x[i] = u < 0.6 ? rng.normal() : levels[Math.floor(rng.uniform() * levels.length)];
  }
  return x;
}

describe('topkIndices row scan', () => {
  it('matches a sort on every row length around the group size, with ties, ±0, ±Inf and NaN', () => {
    const rng = new Rng(5);
    for (const k of [1, 2, 3, 5, 8]) {
      for (let n = k; n <= k + 13; n++) {
        const rows = 40;
        const x = rowsOf(rng, rows, n);
        const got = run(x, n, k);
        for (let r = 0; r < rows; r++) {
          const want = sorted(x.subarray(r * n, (r + 1) * n), k);
          expect(got.slice(r * k, (r + 1) * k), `k ${k}, n ${n}, row ${r}`).toEqual(want);
        }
      }
    }
  });

  it('with a bias, ranks the float32 sums as a sort of the rounded sums does', () => {
    const rng = new Rng(6);
    for (const k of [1, 3, 6]) {
      for (const n of [k, k + 1, k + 4, k + 7, 64, 67]) {
        const rows = 30;
        const x = rowsOf(rng, rows, n);
        // Small biases change a sum's rounding; large ones lift low values into the top.
        const bias = Float32Array.from({ length: n }, (_, j) =>
          j % 5 === 0 ? 4 + rng.normal() : j % 7 === 0 ? Number.NaN : 1e-7 * rng.normal(),
        );
        const got = run(x, n, k, bias);
        for (let r = 0; r < rows; r++) {
          const sums = Float32Array.from({ length: n }, (_, j) => x[r * n + j] + bias[j]);
          expect(got.slice(r * k, (r + 1) * k), `k ${k}, n ${n}, row ${r}`).toEqual(sorted(sums, k));
        }
      }
    }
  });

  it('takes an entry at each place of a group and in the tail, in a long row that rarely has one', () => {
    const [n, k] = [1003, 4];
    for (let at = 100; at < 108; at++) {
      // A rising ramp fills the heap early; one late value beats it, at each offset in a group.
      const x = Float32Array.from({ length: n }, (_, j) => (j < 50 ? j : -j));
      x[at] = 1000;
      x[n - 1] = 999;
      expect(run(x, n, k)).toEqual([at, n - 1, 49, 48]);
    }
  });
});
