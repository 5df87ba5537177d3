import { Graph, greaterEqual, input, kthLargest, Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { KTH_LARGEST } from '../src/kernels/kth-largest.js';

/** What a sort of each row gives (Float64Array sorts ascending, -0 before +0, NaN last): the spec. */
function bySort(x: Float32Array, n: number, k: number): Float64Array {
  const rows = x.length / n;
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = Float64Array.from(x.subarray(r * n, (r + 1) * n)).sort()[n - k];
  return out;
}

function run(x: Float32Array, n: number, k: number): Float32Array {
  const out = new Float32Array(x.length / n).fill(123);
  KTH_LARGEST.bind({ x, out, n, k })(0, out.length);
  return out;
}

describe('kthLargest kernel against a sort of each row', () => {
  it('random rows, every k from 1 to n, ties and repeated values', () => {
    const rng = new Rng(3);
    const n = 37;
    const x = new Float32Array(5 * n);
    for (let i = 0; i < x.length; i++) x[i] = i % 3 === 0 ? Math.round(rng.normal() * 2) : rng.normal();
    for (let k = 1; k <= n; k++) expect(Array.from(run(x, n, k))).toEqual(Array.from(bySort(x, n, k)));
  });

  it('NaN counts as the largest value, Inf as itself, and -0 / +0 as a sort orders them', () => {
    const rows = [
      [Number.NaN, 1, 2, Number.NaN, 3],
      [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN],
      [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1, Number.NaN],
      [-0, 0, -0, 0, -0],
      [0, -0, -0, -1, 1],
      [-0, -0, -0, 0, -2],
    ];
    const n = 5;
    const x = Float32Array.from(rows.flat());
    for (let k = 1; k <= n; k++) {
      const got = run(x, n, k);
      const want = bySort(x, n, k);
      for (let r = 0; r < rows.length; r++)
        expect(Object.is(got[r], want[r]), `row ${r} k ${k}: ${got[r]} vs ${want[r]}`).toBe(true);
    }
  });

  it('split over worker threads, the TopK mask equals the single-thread one', () => {
    const [rows, n, k] = [64, 512, 8];
    const pre = input('pre', [rows, n]);
    const keep = greaterEqual(pre, kthLargest(pre, k));
    const rng = new Rng(11);
    const x = new Float32Array(rows * n);
    for (let i = 0; i < x.length; i++) x[i] = rng.normal();
    const results = [1, 2].map((threads) => {
      const exe = createCpuBackend({ threads }).compileSync(Graph.from({ outputs: { keep } }));
      const desc = exe.steps.map((s) => s.kind === 'kthLargest' && s.split);
      const got = Float32Array.from(exe.runSync({ pre: x }).keep);
      exe.dispose();
      return { desc, got };
    });
    expect(results[1].desc).toContain(true);
    expect(results[0].got).toEqual(results[1].got);
    const kth = bySort(x, n, k);
    for (let r = 0; r < rows; r++) {
      let kept = 0;
      for (let j = 0; j < n; j++) kept += results[1].got[r * n + j];
      expect(kept).toBe(k);
      expect(results[1].got[r * n]).toBe(x[r * n] >= kth[r] ? 1 : 0);
    }
  });
});
