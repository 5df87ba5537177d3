import { describe, expect, it } from 'vitest';
import {
  type AnyParamName,
  auxKLossOf,
  type Backend,
  buildModernLossGraph,
  buildModernTrainStep,
  encoderInput,
  Graph,
  grad,
  hasSparseFormulation,
  input,
  type ModernFormulation,
  type ModernGraphOptions,
  modernParamInputs,
  preActivations,
  Rng,
  resolveFormulation,
  rowWeights,
  sparseAuxK,
  validateModernConfig,
} from '../src/index.js';
import {
  compareTensors,
  createReferenceBackend,
  evaluateGraph,
  formatComparisons,
  GOLDEN_TOLERANCE,
  type ModernGoldenCase,
  normal,
  parseModernGoldenCase,
  runModernGoldenCase,
} from '../src/testing/index.js';
import { finiteDifferenceCheck } from './helpers/finite-differences.js';
import { readModernGoldenDocs } from './helpers/golden-dir.js';
import { B, D, H, SMALL } from './helpers/modern-sizes.js';

// The sparse formulation of the TopK family (modern-sparse.ts) against the dense one and against
// PyTorch, on core's float64 reference: every topk/batchtopk/matryoshka train case, 3 steps.
const cases = readModernGoldenDocs()
  .filter((d) => d.doc.kind === 'train')
  .map((d) => parseModernGoldenCase(d.doc))
  .filter((c) => hasSparseFormulation(c.config.architecture));
const f64 = () => createReferenceBackend() as unknown as Backend;

/** Loss-graph outputs and the 3 steps' losses, θs and parameters, in one formulation. */
async function trained(c: ModernGoldenCase, o: ModernGraphOptions) {
  const backend = f64();
  const n = c.batchSize;
  const w = rowWeights(new Float32Array(n), n);
  const dead: Record<string, Float32Array> = c.inputs.dead ? { dead: c.inputs.dead } : {};
  const params = Object.fromEntries(Object.entries(c.params).filter(([k]) => k !== 'threshold')) as Record<
    string,
    Float32Array
  >;
  const lossExe = await backend.compile(buildModernLossGraph(c.config, n, o));
  const outputs = await lossExe.run({ x: c.batch, w, ...dead, ...params });
  const step = buildModernTrainStep(
    c.config,
    n,
    { ...c.optimizer, kind: 'adam' },
    {
      initialThreshold: c.inputs.topkThreshold ?? 0,
      ...o,
    },
  );
  const exe = await backend.compile(step.graph, { state: step.initialState(c.params) });
  const losses: number[] = [];
  const thetas: number[] = [];
  for (let i = 0; i < c.optimizer.steps; i++) {
    const r = await exe.run({ ...step.host.feeds(), ...dead, x: c.batch, w });
    losses.push(r.loss[0]);
    step.host.observe(r, n);
    if (step.host.threshold !== undefined) thetas.push(step.host.threshold);
  }
  const after: Record<string, Float32Array> = {};
  for (const p of Object.keys(params)) after[p] = await exe.readState(p);
  return { outputs, losses, thetas, after, graphOutputs: Object.keys(outputs) };
}

describe('the TopK family: sparse formulation against the dense one and PyTorch (float64 reference)', () => {
  it('finds every topk, batchtopk and matryoshka train case', () => {
    expect(cases.map((c) => c.config.architecture).sort()).toEqual([
      'batchtopk',
      'batchtopk',
      'matryoshka',
      'topk',
      'topk',
      'topk',
      'topk',
    ]);
  });
  for (const c of cases) {
    it(`${c.name}: sparse passes the golden case and agrees with dense over 3 steps`, async () => {
      const golden = await runModernGoldenCase(f64(), c, GOLDEN_TOLERANCE, { formulation: 'sparse' });
      expect(golden.length).toBeGreaterThanOrEqual(15);
      expect(
        golden.filter((r) => !r.pass),
        formatComparisons(golden),
      ).toEqual([]);
      const [d, s] = [
        await trained(c, { formulation: 'dense' }),
        await trained(c, { formulation: 'sparse' }),
      ];
      const res = [
        ...d.graphOutputs
          .filter((k) => k !== 'sparseExact')
          .map((k) => compareTensors(`${c.name} ${k}`, s.outputs[k] ?? [], d.outputs[k], GOLDEN_TOLERANCE)),
        compareTensors(`${c.name} loss per step`, s.losses, d.losses, GOLDEN_TOLERANCE),
        compareTensors(`${c.name} θ per step`, s.thetas, d.thetas, GOLDEN_TOLERANCE),
        ...Object.keys(d.after).map((k) =>
          compareTensors(`${c.name} ${k} after 3 steps`, s.after[k], d.after[k], GOLDEN_TOLERANCE),
        ),
      ];
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
      // The parameters moved: the agreement is not that of two untouched copies.
      expect(compareTensors('moved', s.after.W_dec, c.params.W_dec!, { atol: 1e-7, rtol: 0 }).pass).toBe(
        false,
      );
    });
  }
});

describe('BatchTopK sparse: candidates per row and the exactness check', () => {
  const c = cases.find((k) => k.name.startsWith('batchtopk-13x24'))!;
  it('with fewer candidates than d_sae the step reports itself exact and still matches PyTorch', async () => {
    const res = await runModernGoldenCase(f64(), c, GOLDEN_TOLERANCE, {
      formulation: 'sparse',
      candidates: 12,
    });
    expect(
      res.filter((r) => !r.pass),
      formatComparisons(res),
    ).toEqual([]);
    const g = buildModernLossGraph(c.config, c.batchSize, { formulation: 'sparse', candidates: 12 });
    expect(Object.keys(g.outputs)).toContain('sparseExact');
  });
  it('too few candidates: the step says so and the host state refuses it with a clear error', async () => {
    // 9 rows, K = 27: with 3 candidates per row all 27 would have to sit exactly there.
    await expect(
      runModernGoldenCase(f64(), c, GOLDEN_TOLERANCE, { formulation: 'sparse', candidates: 3 }),
    ).rejects.toThrow(/batchtopk sparse formulation: a row of this batch held as many/);
  });
  it('by default selects over the flattened batch (exact, nothing to check) where 3 candidates per row fail', async () => {
    const g = buildModernLossGraph(c.config, c.batchSize, { formulation: 'sparse' });
    expect(Object.keys(g.outputs)).not.toContain('sparseExact');
    // The batch-wide code in coordinate form: its products never form a [K, d] matrix of rows.
    expect(g.nodes.some((n) => n.op.kind === 'cooMatmul')).toBe(true);
    expect(g.nodes.some((n) => n.op.kind === 'sparseMatmul' || n.op.kind === 'sparseOuter')).toBe(false);
    expect(g.nodes.some((n) => n.op.kind === 'matmul' && n.shape[1] === c.config.inputDim)).toBe(false);
  });
  it('refuses a candidate count outside [⌈k⌉, d_sae]', () => {
    expect(() => buildModernLossGraph(c.config, 9, { formulation: 'sparse', candidates: 2 })).toThrow(
      /candidates=2 per row must be an integer in \[⌈k⌉=3, d_sae=24\]/,
    );
  });
});

describe('formulation choice', () => {
  it('defaults to sparse for the TopK family and dense elsewhere; sparse elsewhere is a clear error', () => {
    expect(resolveFormulation('topk')).toBe('sparse');
    expect(resolveFormulation('matryoshka')).toBe('sparse');
    expect(resolveFormulation('jumprelu')).toBe('dense');
    expect(() => resolveFormulation('standard', 'sparse')).toThrow(
      /architecture standard has no sparse form \(only topk, batchtopk, matryoshka\); use dense/,
    );
    expect(() => resolveFormulation('topk', 'fast' as ModernFormulation)).toThrow(/"fast" is not one of/);
  });
  it('the sparse graph has no dense decoder product; the dense one has', () => {
    const c = { ...SMALL, architecture: 'topk', k: 2, auxk: { kAux: 2 } } as const;
    const kinds = (f: ModernFormulation) =>
      new Set(buildModernLossGraph(c, B, { formulation: f }).nodes.map((n) => n.op.kind));
    expect(kinds('sparse').has('sparseMatmul')).toBe(true);
    expect(kinds('dense').has('sparseMatmul')).toBe(false);
  });
});

describe('the sparse AuxK loss against float64 central finite differences', () => {
  it('its target x − x̂ given (so that sg(·) changes nothing), half the latents dead', () => {
    const ALL = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as AnyParamName[];
    const c = validateModernConfig({ ...SMALL, architecture: 'topk', k: 2, auxk: { kAux: 2 } });
    const p = modernParamInputs(c, ALL);
    const [x, r, w, dead] = [input('x', [B, D]), input('r', [B, D]), input('w', [B, 1]), input('dead', [H])];
    const u = encoderInput(c, p, x);
    const aux = sparseAuxK(c, p, u, preActivations(c, p, x, u), dead);
    const auxk = auxKLossOf(aux.auxRecon, x, r, dead, w);
    const gs = grad(
      auxk,
      ALL.map((n) => p[n]!),
    );
    const graph = Graph.from({
      outputs: { L: auxk, ...Object.fromEntries(ALL.map((n, i) => [`grad.${n}`, gs[i]])) },
    });
    expect(graph.nodes.some((n) => n.op.kind === 'sparseMatmul')).toBe(true);
    const rng = new Rng(5);
    const rand = (n: number, s = 0.6) => Float64Array.from({ length: n }, () => s * rng.normal());
    const feeds64: Record<string, Float64Array> = {
      x: rand(B * D, 1),
      r: Float64Array.from({ length: B * D }, (_, i) => Math.sin(i)),
      w: new Float64Array(B).fill(1 / B),
      dead: Float64Array.from({ length: H }, (_, i) => (i % 2 === 0 ? 1 : 0)),
      W_enc: rand(D * H),
      b_enc: rand(H),
      W_dec: rand(H * D),
      b_dec: rand(D),
    };
    const feeds32 = Object.fromEntries(Object.entries(feeds64).map(([k, v]) => [k, Float32Array.from(v)]));
    const res = finiteDifferenceCheck({
      graph,
      feeds: { f32: feeds32, f64: feeds64 },
      tol: { atol: 0, rtol: 0 },
      wrt: ALL.map((name) => ({ name, shape: [], gen: normal() })),
    });
    expect(res.checked).toBeGreaterThan(20);
    expect(res.worst, res.at).toBeLessThan(1e-6);
    // Not vacuous: the loss is positive and W_dec's gradient (dead rows only) is not all zero.
    const v = evaluateGraph(graph, feeds64);
    expect(v.get(graph.outputs.L)![0]).toBeGreaterThan(0);
    const gDec = v.get(graph.outputs['grad.W_dec'])!;
    expect(gDec.some((g) => g !== 0)).toBe(true);
    for (let i = 1; i < H; i += 2) for (let d = 0; d < D; d++) expect(gDec[i * D + d]).toBe(0);
  });
});
