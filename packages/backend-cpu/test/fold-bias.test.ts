import { add, Graph, input, matmul, Rng, topkIndices } from '@saekit/core';
import { createReferenceBackend, evaluate } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

// topkIndices(a + b) with a row-vector bias reads a and b (fold-bias.ts): the indices must be those
// of the unfolded graph (float32 sums), on any number of threads, and the sum gets no step.

const [B, D, N, K] = [40, 24, 300, 6];

function normals(rng: Rng, len: number): Float32Array {
  const v = new Float32Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.normal();
  return v;
}

describe('the bias fold of topkIndices', () => {
  it('an encoder topkIndices(x·W + b) has no add step and matches the float64 reference', async () => {
    const x = input('x', [B, D]);
    const w = input('w', [D, N]);
    const b = input('b', [N]);
    const g = Graph.from({ outputs: { idx: topkIndices(add(matmul(x, w), b), K) } });
    const rng = new Rng(3);
    const feeds = { x: normals(rng, B * D), w: normals(rng, D * N), b: normals(rng, N) };
    const want = await evaluate(createReferenceBackend(), g, {
      x: Float64Array.from(feeds.x),
      w: Float64Array.from(feeds.w),
      b: Float64Array.from(feeds.b),
    });
    for (const threads of [1, 2, 3]) {
      const exe = createCpuBackend({ threads }).compileSync(g);
      expect(exe.steps.some((s) => s.kind === 'elementwise' || s.kind === 'loop')).toBe(false);
      expect(exe.steps.some((s) => s.kind === 'indexed' && s.reads.length === 2)).toBe(true);
      expect(Array.from(exe.runSync(feeds).idx), `${threads} threads`).toEqual(Array.from(want.idx));
      exe.dispose();
    }
  });

  it('ranks the float32 sums: a tie in float32 goes to the lower index, as unfolded', () => {
    const a = input('a', [1, 3]);
    const b = input('b', [3]);
    const g = Graph.from({ outputs: { idx: topkIndices(add(b, a), 1) } });
    // 1 + 2^-25 is 1 in float32 (a tie, so index 0 wins) but above 1 in float64.
    const feeds = { a: Float32Array.from([1, 1, -3]), b: Float32Array.from([0, 2 ** -25, 0]) };
    const folded = createCpuBackend({ threads: 1 }).compileSync(g);
    const plain = createCpuBackend({ threads: 1, fuse: false }).compileSync(g);
    const loops = (e: typeof plain) => e.steps.filter((s) => s.kind === 'elementwise' || s.kind === 'loop');
    expect(loops(folded)).toHaveLength(0);
    expect(loops(plain)).toHaveLength(1);
    expect(Array.from(folded.runSync(feeds).idx)).toEqual([0]);
    expect(Array.from(plain.runSync(feeds).idx)).toEqual([0]);
  });

  it('is not applied when the sum is read elsewhere', () => {
    const a = input('a', [2, 5]);
    const b = input('b', [5]);
    const pre = add(a, b);
    const g = Graph.from({ outputs: { idx: topkIndices(pre, 2), pre } });
    const exe = createCpuBackend({ threads: 1 }).compileSync(g);
    expect(exe.steps.some((s) => s.kind === 'indexed' && s.reads.length === 2)).toBe(false);
    const out = exe.runSync({ a: Float32Array.from([1, 5, 2, 4, 3, 0, 0, 0, 0, 0]), b: new Float32Array(5) });
    expect(Array.from(out.idx)).toEqual([1, 3, 0, 1]);
  });

  // The unfolded graph runs the same heap scan, so the float64 reference (core's own loops) is what
  // catches a scan that drops a NaN or misranks a tie.
  it('matches the unfolded sums and the float64 reference with NaN, ±Inf, ties and a lifting bias', async () => {
    const [rows, n, k] = [6, 50, 5];
    const a = input('a', [rows, n]);
    const b = input('b', [n]);
    const g = Graph.from({ outputs: { idx: topkIndices(add(a, b), k) } });
    const rng = new Rng(11);
    const base = normals(rng, rows * n);
    const cases: [string, Float32Array, Float32Array][] = [];
    // Large bias on a few latents: values far below the row's top enter only through their bias.
    const lift = normals(rng, n).map((v, j) => (j % 9 === 0 ? 10 + v : 0.01 * v));
    cases.push(['lifting bias', base, lift]);
    cases.push(['NaN in a', base.map((v, i) => (i % 37 === 5 ? Number.NaN : v)), lift]);
    cases.push(['NaN in the bias', base, lift.map((v, j) => (j === 7 ? Number.NaN : v))]);
    const small = lift.map((v) => v / 1000);
    cases.push(['NaN in a small bias', base, small.map((v, j) => (j === 7 ? Number.NaN : v))]);
    cases.push([
      '+Inf and -Inf in the bias',
      base,
      lift.map((v, j) => (j === 3 ? Infinity : j === 4 ? -Infinity : v)),
    ]);
    // Ties: every sum is one of three values, so ranks fall to the lower index.
    cases.push(['ties', base.map((_, i) => (i % 3) - 1), new Float32Array(n).fill(0.5)]);
    const folded = createCpuBackend({ threads: 2 }).compileSync(g);
    const plain = createCpuBackend({ threads: 1, fuse: false }).compileSync(g);
    expect(folded.steps.some((s) => s.kind === 'indexed' && s.reads.length === 2)).toBe(true);
    for (const [name, av, bv] of cases) {
      const want = Array.from(plain.runSync({ a: av, b: bv }).idx);
      expect(Array.from(folded.runSync({ a: av, b: bv }).idx), name).toEqual(want);
      const ref = await evaluate(createReferenceBackend(), g, {
        a: Float64Array.from(av),
        b: Float64Array.from(bv),
      });
      expect(want, `${name}: the float64 reference`).toEqual(Array.from(ref.idx));
    }
    folded.dispose();
    plain.dispose();
  });
});
