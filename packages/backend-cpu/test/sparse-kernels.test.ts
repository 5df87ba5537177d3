import {
  cooDot,
  cooMatmul,
  Graph,
  gatherLast,
  input,
  Rng,
  scatterAddLast,
  sparseDot,
  sparseMatmul,
  sparseOuter,
  topkIndices,
  transpose,
} from '@saekit/core';
import { createReferenceBackend, evaluate } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

// The sparse TopK kernels at sizes the threading pass splits (core's primitive table covers them
// small, on one thread), with repeated indices, and with the transposes of W folded in (fold.ts):
// against core's float64 reference, and bit-identical on 1, 2 and 3 threads.

const [B, K, N, D] = [64, 8, 300, 40];
const reference = createReferenceBackend();

function normals(rng: Rng, len: number): Float32Array {
  const v = new Float32Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.normal();
  return v;
}

/** Indices into N, drawn so that some latents are picked by many rows and most by none. */
function indices(rng: Rng, len: number): Float32Array {
  const v = new Float32Array(len);
  for (let i = 0; i < len; i++) v[i] = Math.floor(N * rng.uniform() ** 3);
  return v;
}

function sparseGraph() {
  const x = input('x', [B, D]);
  const vals = input('vals', [B, K]);
  const idx = input('idx', [B, K]);
  const w = input('w', [N, D]);
  const wT = input('wT', [D, N]);
  const pre = input('pre', [B, N]);
  // The same entries in coordinate form, each with a row of the batch drawn anywhere in [0, B).
  const rows = input('rows', [B, K]);
  const outputs = {
    topk: topkIndices(pre, K),
    gathered: gatherLast(pre, idx),
    scattered: scatterAddLast(vals, idx, N),
    decoded: sparseMatmul(vals, idx, w),
    dot: sparseDot(x, idx, w),
    dotT: sparseDot(x, idx, transpose(wT)),
    outer: sparseOuter(vals, idx, x, N),
    outerT: transpose(sparseOuter(vals, idx, x, N)),
    cooDecoded: cooMatmul(vals, rows, idx, w, B),
    cooGrad: cooMatmul(vals, idx, rows, x, N),
    cooGradT: transpose(cooMatmul(vals, idx, rows, x, N)),
    cooDot: cooDot(x, rows, idx, w),
  };
  return Graph.from({ outputs });
}

function feeds(seed: number) {
  const rng = new Rng(seed);
  const pre = normals(rng, B * N);
  // Ties at the top of some rows: the lower index must come first.
  for (let b = 0; b < B; b += 5) pre[b * N + 7] = pre[b * N + 3] = 9;
  return {
    x: normals(rng, B * D),
    vals: normals(rng, B * K),
    idx: indices(rng, B * K),
    rows: Float32Array.from({ length: B * K }, () => Math.floor(B * rng.uniform())),
    w: normals(rng, N * D),
    wT: normals(rng, D * N),
    pre,
  };
}

describe('sparse TopK kernels, split over threads, against the float64 reference', () => {
  const graph = sparseGraph();
  const f = feeds(4);
  const f64 = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Float64Array.from(v)]));

  it('fold the transposes, split every kernel, agree with the reference, and match across thread counts', async () => {
    const want = await evaluate(reference, graph, f64);
    const runs: Record<string, Float64Array>[] = [];
    for (const threads of [1, 2, 3]) {
      const exe = createCpuBackend({ threads }).compileSync(graph);
      const indexed = exe.steps.filter((s) => s.kind === 'indexed');
      expect(indexed.filter((s) => s.transposed).map((s) => s.op.kind)).toEqual([
        'sparseDot',
        'sparseOuter',
        'cooMatmul',
      ]);
      expect(exe.steps.some((s) => s.kind === 'transpose')).toBe(false);
      if (threads > 1) expect(indexed.every((s) => s.split)).toBe(true);
      const out = exe.runSync(f);
      runs.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float64Array.from(v)])));
      exe.dispose();
    }
    for (const [name, v] of Object.entries(want)) {
      for (let i = 0; i < v.length; i++) {
        const tol = 1e-5 * Math.max(1, Math.abs(v[i]));
        expect(
          Math.abs(runs[0][name][i] - v[i]),
          `${name}[${i}]: ${runs[0][name][i]} vs ${v[i]}`,
        ).toBeLessThan(tol);
      }
      expect(runs[1][name], name).toEqual(runs[0][name]);
      expect(runs[2][name], name).toEqual(runs[0][name]);
    }
    expect(runs[0].topk[0]).toBe(3);
    expect(runs[0].topk[1]).toBe(7);
  });

  it('one entry a row (BatchTopK flat code): v·W[idx] rounded once, +0 for a zero or −0 value, on 1–3 threads', () => {
    const E = 2 * B * K; // enough rows for the threading pass to split
    const g = Graph.from({
      outputs: { y: sparseMatmul(input('v', [E, 1]), input('i', [E, 1]), input('w', [N, D])) },
    });
    const rng = new Rng(8);
    const v = normals(rng, E);
    v[3] = 0;
    v[4] = -0;
    const i = indices(rng, E);
    for (const threads of [1, 2, 3]) {
      const exe = createCpuBackend({ threads }).compileSync(g);
      if (threads > 1) expect(exe.steps.find((s) => s.kind === 'indexed')?.split).toBe(true);
      const y = exe.runSync({ v, i, w: f.w }).y;
      exe.dispose();
      for (let e = 0; e < E; e++) {
        for (let c = 0; c < D; c++) {
          const want = Math.fround(0 + v[e] * f.w[i[e] * D + c]);
          if (!Object.is(y[e * D + c], want))
            throw new Error(`[${e},${c}] ${threads} threads: ${y[e * D + c]}, want ${want}`);
        }
      }
      expect(Object.is(y[4 * D], 0)).toBe(true);
    }
  });

  it('the folded transposes give the values of the unfolded ones (fuse: false keeps them apart)', () => {
    const folded = createCpuBackend({ threads: 2 }).compileSync(graph);
    const plain = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph);
    expect(plain.steps.filter((s) => s.kind === 'transpose')).toHaveLength(3);
    const a = folded.runSync(f);
    const b = plain.runSync(f);
    expect(Float32Array.from(a.dotT)).toEqual(Float32Array.from(b.dotT));
    expect(Float32Array.from(a.outerT)).toEqual(Float32Array.from(b.outerT));
    expect(Float32Array.from(a.cooGradT)).toEqual(Float32Array.from(b.cooGradT));
    folded.dispose();
    plain.dispose();
  });

  it('one long row (BatchTopK over the flattened batch) selects by radix over threads: the same indices on 1–3 threads', async () => {
    const n = (1 << 16) + 37;
    const rng = new Rng(11);
    const x = normals(rng, n);
    // Ties that straddle the parts' boundaries (the lower index first); +0 and −0, one rank, where
    // the larger k's k-th value falls; infinities; NaNs, which rank above everything.
    for (const at of [Math.floor(n / 2) - 1, Math.floor(n / 2), Math.floor(n / 3), Math.floor((2 * n) / 3)])
      x[at] = 2.5;
    for (let i = 0; i < n; i += 3) x[i] = i % 2 ? -0 : 0;
    x[9] = Number.POSITIVE_INFINITY;
    x[10] = Number.NEGATIVE_INFINITY;
    x[n - 1] = Number.NaN;
    x[5] = -Number.NaN;
    // The sample (the first 256 of every 16,384) sees only large values: it sets its bar too high,
    // fewer than k pass it, and the exact path runs; elsewhere small integers, so the k-th value is
    // tied many times over, in every part.
    const misled = normals(rng, n).map((v, i) => (i % (256 * 64) < 256 ? 100 + v : Math.round(v)));
    const cases: [Float32Array, number, number[]][] = [
      [x, 1500, [5, n - 1, 9]],
      [x, 40000, [5, n - 1, 9]],
      [misled, 1500, []],
    ];
    for (const [v, k, first] of cases) {
      const g = Graph.from({ outputs: { i: topkIndices(input('x', [1, n]), k) } });
      const want = Array.from((await evaluate(reference, g, { x: Float64Array.from(v) })).i);
      expect(want.slice(0, first.length)).toEqual(first);
      for (const threads of [1, 2, 3]) {
        const exe = createCpuBackend({ threads }).compileSync(g);
        const labels = exe.profileSync({ x: v }, 1).map((r) => r.step);
        if (threads > 1) expect(labels.join(' | ')).toMatch(/\[sample\].*\[high bits\].*\[sort\]/);
        expect(Array.from(exe.runSync({ x: v }).i), `k ${k}, ${threads} threads`).toEqual(want);
        exe.dispose();
      }
    }
  });

  it('NaN ranks above +Inf in topkIndices, as in the reference', async () => {
    const pre = input('pre', [2, 6]);
    const g = Graph.from({ outputs: { i: topkIndices(pre, 4) } });
    const x = Float32Array.from([
      1,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      1,
      -1,
      0,
      -0,
      0,
      -0,
      2,
      0,
    ]);
    const want = await evaluate(reference, g, { pre: Float64Array.from(x) });
    const got = createCpuBackend({ threads: 1 }).compileSync(g).runSync({ pre: x });
    expect(Array.from(got.i)).toEqual(Array.from(want.i));
    expect(Array.from(got.i)).toEqual([1, 3, 2, 0, 4, 0, 1, 2]);
  });

  it('a NaN after the heap is full enters it, and once every kept value is NaN no later one does', async () => {
    const pre = input('pre', [1, 8]);
    const g = Graph.from({ outputs: { i: topkIndices(pre, 2) } });
    const x = Float32Array.from([3, 2, 1, Number.NaN, 0, Number.NaN, Number.NaN, 5]);
    const want = await evaluate(reference, g, { pre: Float64Array.from(x) });
    const got = createCpuBackend({ threads: 1 }).compileSync(g).runSync({ pre: x });
    expect(Array.from(got.i)).toEqual(Array.from(want.i));
    expect(Array.from(got.i)).toEqual([3, 5]);
  });

  for (const threads of [1, 2]) {
    it(`a fed index that is not an integer in [0, n) is an error naming the op and position (${threads} thread${threads > 1 ? 's' : ''})`, () => {
      const exe = createCpuBackend({ threads }).compileSync(graph);
      for (const bad of [2.5, -1, N, Number.NaN]) {
        const idx = Float32Array.from(f.idx);
        idx[17] = bad;
        expect(() => exe.runSync({ ...f, idx })).toThrow(
          /index (2\.5|-1|300|NaN) at position 17 is not an integer in \[0, 300\)/,
        );
      }
      const rows = Float32Array.from(f.rows);
      rows[17] = B;
      expect(() => exe.runSync({ ...f, rows })).toThrow(
        /coo(Matmul|Dot): index 64 at position 17 is not an integer in \[0, 64\)/,
      );
      // The next run with good indices works.
      expect(() => exe.runSync(f)).not.toThrow();
      exe.dispose();
    });
  }
});
