import { add, Graph, input, matmul, Rng, sparseDot, topkIndices, transpose } from '@saekit/core';
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
