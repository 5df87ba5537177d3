import {
  buildTrainStep,
  Graph,
  greater,
  initParams,
  input,
  matmul,
  mul,
  Rng,
  relu,
  SEED_CONFIG,
} from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { planFusion } from '../src/fuse.js';
import { createCpuBackend, createReferenceBackend } from '../src/index.js';
import { maskedMatmul } from '../src/kernels/masked-matmul.js';
import { maskedPairParts, pairParts, partRows, sumPartials } from '../src/kernels/masked-pair.js';
import { planMaskedPairs, planMaskedProducts } from '../src/masked.js';
import { schedule } from '../src/schedule.js';
import { worstError } from './compare.js';
import { MASKED_K, MASKED_M, MASKED_N, maskedFeeds, reluBackwardNodes, toF64 } from './helpers.js';

const [M, K, N] = [MASKED_M, MASKED_K, MASKED_N];

/**
 * relu's backward shape with the decoder's weight gradient beside it: y = (u·v + g·Wᵀ)·(p > 0)
 * and z = relu(p)ᵀ·g, the two products over g that a masked pair computes in one pass.
 */
function decoderBackward(): Graph {
  const { g, p, y } = reluBackwardNodes();
  // z first, so that relu(p) is computed before the masked product, as the encoder's code is in a
  // training step (the pair needs h ready at the masked product's place).
  return Graph.from({ outputs: { z: matmul(relu(p), g, { transA: true }), y } });
}

function fusionOf(graph: Graph) {
  const { fused, kernels } = planFusion(graph, true);
  return [fused, kernels] as const;
}

function pairs(graph: Graph) {
  const order = schedule(graph);
  const [fused, kernels] = fusionOf(graph);
  return planMaskedPairs(graph, order, planMaskedProducts(graph, order, fused, kernels), fused);
}

/** Both outputs, on the CPU backend with `threads`, and on the unfused one-thread interpreter. */
function bothWays(f: ReturnType<typeof maskedFeeds>, threads: number) {
  const graph = decoderBackward();
  const got = createCpuBackend({ threads }).compileSync(graph).runSync(f);
  const want = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph).runSync(f);
  return { got, want };
}

describe('masked pairs', () => {
  it('are found in the seed training step (g·W_decᵀ with hᵀ·g), and compiled as one step on any thread count', () => {
    const step = buildTrainStep(SEED_CONFIG, 256, { kind: 'adam', lr: 1e-3 });
    const graph = step.graph;
    const found = pairs(graph);
    expect(found.size).toBe(1);
    const [[m, d]] = found;
    expect(m.op).toMatchObject({ kind: 'matmul', transA: false, transB: true });
    expect(d.op).toMatchObject({ kind: 'matmul', transA: true, transB: false });
    expect(d.inputs[1]).toBe(m.inputs[0]); // the same g
    expect(d.shape).toEqual([SEED_CONFIG.hiddenDim, SEED_CONFIG.inputDim]);
    for (const threads of [1, 2, 4]) {
      const state = step.initialState(initParams(SEED_CONFIG, new Rng(0)));
      const exe = createCpuBackend({ threads }).compileSync(graph, { state });
      const kinds = exe.steps.filter(
        (s) => s.kind === 'maskedPair' || s.kind === 'matmul' || s.kind === 'masked',
      );
      // Five products in four steps, the pair split over the pool whenever there is one.
      expect(kinds.map((s) => s.kind)).toEqual(['matmul', 'matmul', 'maskedPair', 'matmul']);
      expect(kinds.map((s) => 'split' in s && s.split)).toEqual(new Array(4).fill(threads > 1));
      exe.dispose();
    }
    expect(pairs(decoderBackward()).size).toBe(1); // the graph the tests below run
    {
      // Not when the partner has a reader that runs before the masked product: moved to the masked
      // product's place, it would be read before it is set. (A schedule with such a reader, by hand.)
      const g = input('g', [M, K]);
      const p = input('p', [M, N]);
      const h = relu(p);
      const d = matmul(h, g, { transA: true });
      const early = mul(d, 2);
      const y = mul(matmul(g, input('w', [N, K]), { transB: true }), greater(p, 0));
      const graph2 = Graph.from({ outputs: { h, y, early } }); // h first: it is ordered first
      const [fused, kernels] = fusionOf(graph2);
      const order = schedule(graph2);
      const found = planMaskedProducts(graph2, order, fused, kernels);
      expect(planMaskedPairs(graph2, order, found, fused).size).toBe(1); // early runs after y's product
      const m = [...found.keys()][0];
      const moved = order.filter((n) => n !== d && n !== early);
      moved.splice(moved.indexOf(m), 0, d, early); // d and its reader before the masked product
      expect(planMaskedPairs(graph2, moved, found, fused).size).toBe(0);
    }
  });

  it('give what the float64 reference gives, on one, two and four threads, from all-off to all-on masks', async () => {
    const graph = decoderBackward();
    const rng = new Rng(21);
    const reference = await createReferenceBackend().compile(graph);
    const exes = [1, 2, 4].map((threads) => createCpuBackend({ threads }).compileSync(graph));
    for (const on of [0, 0.1, 0.5, 1]) {
      const f = maskedFeeds(rng, on);
      const want = reference.runSync(toF64(f));
      for (const exe of exes) {
        const got = exe.runSync(f);
        for (const k of ['y', 'z'] as const) expect(worstError(got[k], want[k])).toBeLessThan(1e-5);
      }
    }
    for (const exe of exes) exe.dispose();
  });

  it('give the same bits on any number of threads (the parts are fixed by the rows, not the threads)', () => {
    const f = maskedFeeds(new Rng(22), 0.3);
    const graph = decoderBackward();
    const one = createCpuBackend({ threads: 1 }).compileSync(graph).runSync(f);
    for (const threads of [2, 3]) {
      const more = createCpuBackend({ threads }).compileSync(graph).runSync(f);
      expect(more.y).toEqual(one.y);
      expect(more.z).toEqual(one.z);
    }
    // Five parts of a taller a, on two, three and four threads: shares of 3+2, 2+2+1, 2+1+1+1 parts.
    const [m, k, n] = [600, 784, 64];
    expect(pairParts(m)).toBe(5);
    const rng = new Rng(25);
    const g = input('g', [m, k]);
    const p = input('p', [m, n]);
    const tall = Graph.from({
      outputs: {
        z: matmul(relu(p), g, { transA: true }),
        y: mul(matmul(g, input('w', [n, k]), { transB: true }), greater(p, 0)),
      },
    });
    const feeds = {
      g: Float32Array.from(rng.normalArray(m * k)),
      p: Float32Array.from(rng.normalArray(m * n)),
      w: Float32Array.from(rng.normalArray(n * k)),
    };
    const base = createCpuBackend({ threads: 1 }).compileSync(tall);
    expect(base.steps.some((s) => s.kind === 'maskedPair')).toBe(true);
    const want = base.runSync(feeds);
    for (const threads of [2, 3, 4]) {
      const exe = createCpuBackend({ threads }).compileSync(tall);
      expect(exe.steps.some((s) => s.kind === 'maskedPair' && s.split)).toBe(true);
      const got = exe.runSync(feeds);
      expect(got.y).toEqual(want.y);
      expect(got.z).toEqual(want.z);
      exe.dispose();
    }
  });

  it('keep NaN where the dense products have it: Inf in g on a row whose units are off, NaN in h, Inf in W', () => {
    const rng = new Rng(23);
    // Row 5 of g holds Inf and all of row 5's units are off: the dense hᵀ·g has 0·Inf = NaN in
    // every unit's column 3, and y's row 5 is NaN (Inf·0) as in masked-matmul.ts.
    let f = maskedFeeds(rng, 0.3);
    f.p.fill(-1, 5 * N, 6 * N);
    f.g[5 * K + 3] = Number.POSITIVE_INFINITY;
    for (const threads of [1, 2]) {
      const { got, want } = bothWays(f, threads);
      for (const k of ['y', 'z'] as const)
        expect(Array.from(got[k], Number.isNaN)).toEqual(Array.from(want[k], Number.isNaN));
      for (let j = 0; j < N; j++) expect(got.z[j * K + 3]).toBeNaN();
    }
    // NaN in p where its unit is off: relu(NaN) = NaN is a non-zero of h, so its unit's row of
    // hᵀ·g is NaN, though the mask (NaN > 0 is false) drops that entry of y.
    f = maskedFeeds(rng, 0.3);
    f.p[7 * N + 2] = Number.NaN;
    for (const threads of [1, 2]) {
      const { got, want } = bothWays(f, threads);
      for (const k of ['y', 'z'] as const)
        expect(Array.from(got[k], Number.isNaN)).toEqual(Array.from(want[k], Number.isNaN));
      expect(got.z.subarray(2 * K, 3 * K).every(Number.isNaN)).toBe(true);
    }
    // Inf in W: every entry of y is computed (the mask multiplies the non-finite ones into NaN).
    f = maskedFeeds(rng, 0.3);
    f.w[3 * K + 7] = Number.POSITIVE_INFINITY;
    const { got, want } = bothWays(f, 2);
    for (const k of ['y', 'z'] as const)
      expect(Array.from(got[k], Number.isNaN)).toEqual(Array.from(want[k], Number.isNaN));
    expect(got.y.some(Number.isNaN)).toBe(true);
  });

  it('the kernel: out1 is maskedMatmul exactly, out2 the same in one call or one per part', () => {
    const f = maskedFeeds(new Rng(24), 0.4);
    const h = f.p.map((x) => Math.max(x, 0));
    const masked = new Float32Array(M * N);
    maskedMatmul({ a: f.g, b: f.w, p: f.p, threshold: 0, out: masked, m: M, n: N, k: K });
    const [out1, out2, split1, split2] = [M * N, N * K, M * N, N * K].map((n) =>
      new Float32Array(n).fill(Number.NaN),
    );
    const part = new Float64Array(2 * N * K);
    maskedPairParts({ a: f.g, b: f.w, p: f.p, threshold: 0, h, out1, part, m: M, n: N, k: K }, 0, 2);
    sumPartials({ part, out: out2, len: N * K, parts: 2 }, 0, N * K);
    expect(out1).toEqual(masked);
    const part2 = new Float64Array(2 * N * K);
    maskedPairParts(
      { a: f.g, b: f.w, p: f.p, threshold: 0, h, out1: split1, part: part2, m: M, n: N, k: K },
      1,
      2,
    );
    maskedPairParts(
      { a: f.g, b: f.w, p: f.p, threshold: 0, h, out1: split1, part: part2, m: M, n: N, k: K },
      0,
      1,
    );
    sumPartials({ part: part2, out: split2, len: N * K, parts: 2 }, 100, N * K);
    sumPartials({ part: part2, out: split2, len: N * K, parts: 2 }, 0, 100);
    expect(split1).toEqual(out1);
    expect(split2).toEqual(out2);
    // out2 = hᵀ·g: each entry the float64 sum of each part's terms, rounded once (two parts here).
    expect(pairParts(M)).toBe(2);
    const mid = partRows(M);
    for (const [j, q] of [
      [0, 0],
      [7, 123],
      [N - 1, K - 1],
    ]) {
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < M; i++) {
        const t = h[i * N + j] * f.g[i * K + q];
        if (i < mid) s0 += t;
        else s1 += t;
      }
      expect(out2[j * K + q]).toBe(Math.fround(s0 + s1));
    }
  });
});
