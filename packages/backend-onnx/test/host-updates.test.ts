import { join } from 'node:path';
import {
  buildTrainStep,
  hasSparseFormulation,
  initParams,
  Rng,
  rowWeights,
  type SaeConfig,
  SEED_CONFIG,
} from '@saekit/core';
import {
  compareTensors,
  formatComparisons,
  GOLDEN_TOLERANCE,
  isModernGoldenDoc,
  parseModernGoldenCase,
  runGoldenCase,
  runModernGoldenCase,
} from '@saekit/core/testing';
import { listGoldenNames, loadGoldenCases, readGoldenDoc, resolveGoldenDir } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { hostPlan } from '../src/executable.js';
import { planHostUpdates } from '../src/host/plan.js';
import { createOnnxBackend, HOST_MIN_VALUES, type OnnxExecutable } from '../src/index.js';

const host = createOnnxBackend({ hostUpdates: 'always' });
/** One loop against ONNX Runtime's ops, in the same order: equal but for a rounding here and there. */
const SAME = { atol: 1e-7, rtol: 1e-5 };
const inOrt = createOnnxBackend({ hostUpdates: 'never' });

describe('the optimizer step on the host: the plan', () => {
  it('takes every parameter and both Adam moments out of the ONNX graph, leaving the step count', () => {
    const step = buildTrainStep(SEED_CONFIG, 8, { kind: 'adam', lr: 1e-3 });
    const state = step.initialState(initParams(SEED_CONFIG, new Rng(0)));
    const plan = planHostUpdates(step.graph, state, 0)!;
    const hostStates = plan.cones.flatMap((c) => c.states).sort();
    const params = ['W_enc', 'b_enc', 'W_dec', 'b_dec'];
    expect(hostStates).toEqual(params.flatMap((p) => [p, `adam.m.${p}`, `adam.v.${p}`]).sort());
    expect(Object.keys(plan.graph.updates)).toEqual(['adam.t']);
    // ONNX Runtime still reads the parameters (fed from the host's memory), never the moments.
    expect([...plan.fedState].sort()).toEqual([...params].sort());
    expect(
      [...plan.graph.inputs.keys()].filter((k) => k.startsWith('adam.m') || k.startsWith('adam.v')),
    ).toEqual([]);
    // One cone per parameter: its gradient as the one computed tensor leaf; step size, the bias
    // correction and the guard's condition as scalars.
    expect(plan.cones).toHaveLength(4);
    for (const c of plan.cones) {
      expect(c.leaves.filter((l) => l.op.kind !== 'input')).toHaveLength(1);
      expect(c.scalars.length).toBe(3);
    }
    expect(Object.keys(plan.state).sort()).toEqual(['adam.t']);
  });

  it('declines below the size given, and when the step is not in the graph', () => {
    const step = buildTrainStep(SEED_CONFIG, 8, { kind: 'adam', lr: 1e-3 });
    const state = step.initialState(initParams(SEED_CONFIG, new Rng(0)));
    expect(planHostUpdates(step.graph, state, HOST_MIN_VALUES)).toBeUndefined(); // 100k parameters x 3
    expect(planHostUpdates(step.graph, {}, 0)).toBeUndefined(); // no state given: nothing to update
  });
});

/** `steps` Adam steps on fresh batches; the last one non-finite when `poison`. */
async function train(backend: typeof host, c: SaeConfig, batch: number, steps: number, poison = false) {
  const step = buildTrainStep(c, batch, { kind: 'adam', lr: c.sparsity.kind === 'kl' ? 1e-3 : 1e-2 });
  const state = step.initialState(initParams(c, new Rng(3)));
  const exe = await backend.compile(step.graph, { state });
  const data = new Rng(5);
  const losses: number[] = [];
  const oks: number[] = [];
  for (let i = 0; i < steps; i++) {
    const x = data.uniformArray(batch * c.inputDim, 0, 0.25);
    if (poison && i === steps - 1) x[3] = Number.NaN;
    const r = await exe.run({ x, w: rowWeights(new Float32Array(batch), batch) });
    losses.push(r.loss[0]);
    oks.push(r.ok[0]);
    expect(Object.keys(r).filter((k) => k.startsWith('saekit.'))).toEqual([]);
  }
  const final: Record<string, Float32Array> = {};
  for (const k of Object.keys(state)) final[k] = await exe.readState(k);
  return { exe, losses, oks, final };
}

describe('the optimizer step on the host: training', () => {
  const topk: SaeConfig = {
    inputDim: 24,
    hiddenDim: 40,
    encoder: 'topk',
    k: 5,
    decoder: 'identity',
    sparsity: { kind: 'l1', weight: 0.01 },
  };
  for (const [label, c] of [
    ['the seed model (KL, sigmoid decoder)', SEED_CONFIG],
    ['a TopK SAE', topk],
  ] as const) {
    it(`${label}: 8 steps equal the step inside ONNX Runtime, state and losses, to float32 rounding`, async () => {
      const got = await train(host, c, 16, 8);
      const want = await train(inOrt, c, 16, 8);
      expect((got.exe as OnnxExecutable).hostUpdated).toHaveLength(12);
      expect((want.exe as OnnxExecutable).hostUpdated).toEqual([]);
      const cs = [compareTensors('loss per step', got.losses, want.losses, SAME)];
      for (const k of Object.keys(want.final)) cs.push(compareTensors(k, got.final[k], want.final[k], SAME));
      expect(
        cs.filter((x) => !x.pass),
        formatComparisons(cs),
      ).toEqual([]);
      expect(got.final['adam.t'][0]).toBe(8);
      expect(got.losses[7]).toBeLessThan(got.losses[0]);
      got.exe.dispose();
      want.exe.dispose();
    });
  }

  it('a non-finite batch leaves the parameters as they were; the moments move as the graph says', async () => {
    const got = await train(host, topk, 8, 3, true);
    const want = await train(inOrt, topk, 8, 3, true);
    const before = await train(host, topk, 8, 2);
    expect(got.oks).toEqual([1, 1, 0]);
    for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) expect(got.final[p], p).toEqual(before.final[p]);
    const cs = Object.keys(want.final).map((k) => compareTensors(k, got.final[k], want.final[k], SAME));
    expect(
      cs.filter((x) => !x.pass),
      formatComparisons(cs),
    ).toEqual([]);
    for (const r of [got, want, before]) r.exe.dispose();
  });

  it('readState copies and writeState replaces state kept on the host', async () => {
    const step = buildTrainStep(topk, 8, { kind: 'adam', lr: 1e-2 });
    const exe = await host.compile(step.graph, { state: step.initialState(initParams(topk, new Rng(3))) });
    const w = await exe.readState('W_dec');
    w[0] = 1234;
    expect((await exe.readState('W_dec'))[0]).not.toBe(1234);
    const m = new Float32Array(w.length).fill(0.5);
    exe.writeState('adam.m.W_dec', m);
    expect(await exe.readState('adam.m.W_dec')).toEqual(m);
    expect(() => exe.writeState('adam.v.W_dec', new Float32Array(3))).toThrow(/has \d+ values, got 3/);
    expect(() => exe.writeState('nope', new Float32Array(3))).toThrow(/adam\.m\.W_dec/);
    // The written moment is what the next step reads: b1 m + (1 - b1) g moves it from 0.5.
    await exe.run({ x: new Rng(1).uniformArray(8 * 24, 0, 1), w: rowWeights(new Float32Array(8), 8) });
    const m1 = await exe.readState('adam.m.W_dec');
    expect(Math.abs(m1[0] - 0.45)).toBeLessThan(0.05);
    exe.dispose();
  });

  it('auto: on the host from HOST_MIN_VALUES updated values, in ONNX Runtime below', async () => {
    const big: SaeConfig = { ...SEED_CONFIG, inputDim: 256, hiddenDim: 1024 }; // 3 x 525k values
    const auto = createOnnxBackend();
    for (const [c, n] of [
      [big, 12],
      [SEED_CONFIG, 0],
    ] as const) {
      const step = buildTrainStep(c, 4, { kind: 'adam', lr: 1e-3 });
      const exe = (await auto.compile(step.graph, {
        state: step.initialState(initParams(c, new Rng(0))),
      })) as OnnxExecutable;
      expect(exe.hostUpdated).toHaveLength(n);
      exe.dispose();
    }
    // A GPU provider keeps the step in ONNX Runtime, where the parameters already are.
    const step = buildTrainStep(big, 4, { kind: 'adam', lr: 1e-3 });
    const state = step.initialState(initParams(big, new Rng(0)));
    expect(hostPlan(step.graph, state, {})).toBeDefined();
    expect(hostPlan(step.graph, state, { executionProviders: ['cuda', 'cpu'] })).toBeUndefined();
    expect(
      hostPlan(step.graph, state, { executionProviders: ['cpu'], hostUpdates: 'never' }),
    ).toBeUndefined();
  });
});

describe('PyTorch golden cases with the optimizer step on the host', () => {
  const { dir } = resolveGoldenDir();
  it('finds the golden cases', () => expect(dir).toBeDefined());
  for (const { name, golden } of dir ? loadGoldenCases(dir) : []) {
    it(name, async () => {
      const res = await runGoldenCase(host, golden);
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
    });
  }
  const modern = dir ? join(dir, 'modern') : undefined;
  for (const name of modern ? listGoldenNames(modern) : []) {
    const doc = readGoldenDoc(modern!, name);
    if (!isModernGoldenDoc(doc) || (doc.kind !== undefined && doc.kind !== 'train')) continue;
    const m = parseModernGoldenCase(doc);
    const forms = hasSparseFormulation(m.config.architecture)
      ? (['dense', 'sparse'] as const)
      : (['dense'] as const);
    for (const formulation of forms) {
      it(`modern/${name} (${formulation})`, async () => {
        const res = await runModernGoldenCase(host, m, GOLDEN_TOLERANCE, { formulation });
        expect(
          res.filter((r) => !r.pass),
          formatComparisons(res),
        ).toEqual([]);
      });
    }
  }
});
