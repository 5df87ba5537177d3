import {
  add,
  broadcastTo,
  constant,
  cooDot,
  Graph,
  gatherLast,
  input,
  matmul,
  mul,
  Rng,
  reshape,
  sparseDot,
  sub,
  topkIndices,
  transpose,
} from '@saekit/core';
import { createReferenceBackend as coreReference, evaluate } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createReferenceBackend } from '../src/index.js';

// The gather pass (gather-pre.ts): the selected pre-activations sparseDot(x, idx, Wᵀ) are gathered
// from x·W when the step computes it; the values must be the dots' (float64 reference), on any
// number of threads, and the pass must not fire where the product is not there to read.

const [B, D, N, K] = [40, 24, 300, 6];

function normals(rng: Rng, len: number): Float32Array {
  const v = new Float32Array(len);
  for (let i = 0; i < len; i++) v[i] = rng.normal();
  return v;
}

const kinds = (steps: readonly { kind: string; op?: { kind: string } }[]) =>
  steps.map((s) => (s.kind === 'indexed' ? s.op?.kind : s.kind));

async function expectMatchesReference(g: Graph, feeds: Record<string, Float32Array>): Promise<void> {
  const f64 = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, Float64Array.from(v)]));
  const want = await evaluate(coreReference(), g, f64);
  for (const threads of [1, 2, 3]) {
    const exe = createCpuBackend({ threads }).compileSync(g);
    expect(kinds(exe.steps), `${threads} threads`).toContain('gatherLast');
    expect(kinds(exe.steps)).not.toContain('sparseDot');
    const got = exe.runSync(feeds).vals;
    for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want.vals[i], 4);
    exe.dispose();
  }
}

describe('selected pre-activations gathered from the dense product', () => {
  it('sparseDot(x, idx, transpose(W)) beside x·W: gathered, the values of the dots', async () => {
    const x = input('x', [B, D]);
    const w = input('w', [D, N]);
    const b = input('b', [N]);
    const idx = topkIndices(add(matmul(x, w), b), K);
    const g = Graph.from({ outputs: { vals: sparseDot(x, idx, transpose(w)), idx } });
    const rng = new Rng(5);
    await expectMatchesReference(g, { x: normals(rng, B * D), w: normals(rng, D * N), b: normals(rng, N) });
  });

  it('W stored as [n, d] and the product x·Wᵀ: gathered too', async () => {
    const x = input('x', [B, D]);
    const wt = input('wt', [N, D]);
    const idx = topkIndices(matmul(x, wt, { transB: true }), K);
    const g = Graph.from({ outputs: { vals: sparseDot(x, idx, wt), idx } });
    const rng = new Rng(6);
    await expectMatchesReference(g, { x: normals(rng, B * D), wt: normals(rng, N * D) });
  });

  it('a batch-wide code, cooDot(x, row, latent, transpose(W)) beside x·W: gathered at (row, latent), on 1–3 threads', async () => {
    const x = input('x', [B, D]);
    const w = input('w', [D, N]);
    const pre = matmul(x, w);
    // As core's batchTopKFlat: the batch's 200 largest, each entry's row and latent.
    const flat = topkIndices(reshape(pre, [1, B * N]), 200);
    const rows = constant(
      Array.from({ length: B }, (_, r) => r),
      [B, 1],
    );
    const row = gatherLast(reshape(broadcastTo(rows, [B, N]), [1, B * N]), flat);
    const latent = sub(flat, mul(row, N));
    const g = Graph.from({ outputs: { vals: cooDot(x, row, latent, transpose(w)), pre, row, latent } });
    const rng = new Rng(7);
    const feeds = { x: normals(rng, B * D), w: normals(rng, D * N) };
    const f64 = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, Float64Array.from(v)]));
    const want = await evaluate(coreReference(), g, f64);
    for (const threads of [1, 2, 3]) {
      const exe = createCpuBackend({ threads }).compileSync(g);
      expect(exe.steps.some((s) => s.kind === 'indexed' && s.gathered)).toBe(true);
      const out = exe.runSync(feeds);
      for (let e = 0; e < 200; e++) {
        // The product's own entry, bit for bit, and the dot's value within rounding.
        expect(out.vals[e]).toBe(out.pre[out.row[e] * N + out.latent[e]]);
        expect(out.vals[e]).toBeCloseTo(want.vals[e], 4);
      }
      exe.dispose();
    }
  });

  it('not where no such product runs, nor on the float64 reference', () => {
    const x = input('x', [B, D]);
    const x2 = input('x2', [B, D]);
    const w = input('w', [D, N]);
    // The product is of another x: the dots stay.
    const idx = topkIndices(matmul(x2, w), K);
    const other = Graph.from({ outputs: { vals: sparseDot(x, idx, transpose(w)) } });
    const exe = createCpuBackend({ threads: 1 }).compileSync(other);
    expect(kinds(exe.steps)).toContain('sparseDot');
    expect(kinds(exe.steps)).not.toContain('gatherLast');
    // x·W itself, on the float64 reference: the dots stay (it keeps every op as written).
    const same = Graph.from({ outputs: { vals: sparseDot(x, topkIndices(matmul(x, w), K), transpose(w)) } });
    const ref = createReferenceBackend().compileSync(same);
    expect(kinds(ref.steps)).toContain('sparseDot');
    expect(kinds(ref.steps)).not.toContain('gatherLast');
  });
});
