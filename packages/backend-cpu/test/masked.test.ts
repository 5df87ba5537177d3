import {
  buildTrainStep,
  div,
  Graph,
  greater,
  input,
  matmul,
  mul,
  Rng,
  SEED_CONFIG,
  sigmoid,
} from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { planFusion } from '../src/fuse.js';
import { createCpuBackend, createReferenceBackend } from '../src/index.js';
import { maskedMatmul } from '../src/kernels/masked-matmul.js';
import { planMaskedProducts } from '../src/masked.js';
import { schedule } from '../src/schedule.js';
import { worstError } from './compare.js';
import { MASKED_K, MASKED_M, MASKED_N, maskedFeeds, reluBackwardNodes, toF64 } from './helpers.js';

const [M, K, N] = [MASKED_M, MASKED_K, MASKED_N];

/** relu's backward shape: (u·v + g·Wᵀ) · (p > 0), the product used only through the masked root. */
function reluBackward(): Graph {
  return Graph.from({ outputs: { y: reluBackwardNodes().y } });
}

function masked(graph: Graph) {
  const { fused, kernels } = planFusion(graph, true);
  return planMaskedProducts(graph, schedule(graph), fused, kernels);
}

describe('masked products', () => {
  it('are found in the seed training step: g·W_decᵀ under the ReLU derivative, and only that product', () => {
    const found = masked(buildTrainStep(SEED_CONFIG, 16, { kind: 'adam', lr: 1e-3 }).graph);
    expect(found.size).toBe(1);
    const [m] = found.keys();
    expect(m.shape).toEqual([16, SEED_CONFIG.hiddenDim]);
    expect(m.op).toMatchObject({ kind: 'matmul', transA: false, transB: true });
  });

  it('are not taken where a skipped entry could matter: a division on the path, or a second use', () => {
    const g = input('g', [M, K]);
    const w = input('w', [N, K]);
    const p = input('p', [M, N]);
    const prod = matmul(g, w, { transB: true });
    expect(masked(Graph.from({ outputs: { y: mul(div(1, prod), greater(p, 0)) } })).size).toBe(0);
    const prod2 = matmul(g, w, { transB: true });
    expect(masked(Graph.from({ outputs: { y: mul(prod2, greater(p, 0)), z: sigmoid(prod2) } })).size).toBe(0);
    expect(masked(reluBackward()).size).toBe(1);
  });

  it('give what the float64 reference gives, single- and multi-threaded, from all-off to all-on masks', async () => {
    const graph = reluBackward();
    const rng = new Rng(11);
    const reference = await createReferenceBackend().compile(graph);
    const exes = [1, 2].map((threads) => createCpuBackend({ threads }).compileSync(graph));
    for (const on of [0, 0.1, 0.5, 1]) {
      const f = maskedFeeds(rng, on);
      const want = reference.runSync(toF64(f)).y;
      for (const exe of exes) expect(worstError(exe.runSync(f).y, want)).toBeLessThan(1e-5);
    }
    for (const exe of exes) exe.dispose();
  });

  it('keep NaN where the dense product has it: a non-finite value in g or W fills its row or the whole product', () => {
    const graph = reluBackward();
    const rng = new Rng(12);
    for (const where of ['g', 'w'] as const) {
      const f = maskedFeeds(rng, 0.3);
      f[where][where === 'g' ? 5 * K + 3 : 2 * K + 7] = Number.POSITIVE_INFINITY;
      const want = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph).runSync(f).y;
      const got = createCpuBackend({ threads: 1 }).compileSync(graph).runSync(f).y;
      expect(Array.from(got, Number.isNaN)).toEqual(Array.from(want, Number.isNaN));
      expect(got.some(Number.isNaN)).toBe(true);
    }
    // A row of g with Inf and no kept entry (its mask all off) is computed in full all the same,
    // from its own values (the kernel copies each row it computes; row 6 is kept-free too, after it).
    const f = maskedFeeds(rng, 0.3);
    for (const r of [5, 6]) f.p.fill(-1, r * N, r * N + N);
    f.g[5 * K + 3] = Number.POSITIVE_INFINITY;
    const want = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph).runSync(f).y;
    const got = createCpuBackend({ threads: 1 }).compileSync(graph).runSync(f).y;
    expect(Array.from(got, Number.isNaN)).toEqual(Array.from(want, Number.isNaN));
    expect(got.subarray(5 * N, 6 * N).every(Number.isNaN)).toBe(true);
    expect(got.subarray(6 * N, 7 * N).some(Number.isNaN)).toBe(false);
  });

  it('the kernel: kept entries are the dot products, the rest exactly 0, any row range alike', () => {
    const rng = new Rng(3);
    const f = maskedFeeds(rng, 0.4);
    const out = new Float32Array(M * N).fill(Number.NaN);
    maskedMatmul({ a: f.g, b: f.w, p: f.p, threshold: 0, out, m: M, n: N, k: K }, 0, 41);
    maskedMatmul({ a: f.g, b: f.w, p: f.p, threshold: 0, out, m: M, n: N, k: K }, 41, M);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let q = 0; q < K; q++) s += f.g[i * K + q] * f.w[j * K + q];
        const got = out[i * N + j];
        if (f.p[i * N + j] > 0) expect(got).toBe(Math.fround(s));
        else expect(Object.is(got, 0)).toBe(true);
      }
    }
  });
});
