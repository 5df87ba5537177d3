import {
  buildTrainStep,
  type Executable,
  initParams,
  PARAM_NAMES,
  Rng,
  rowWeights,
  type SaeConfig,
  SEED_CONFIG,
} from '@saekit/core';
import { compareTensors, formatComparisons } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, MAX_OPSET } from '../src/index.js';
import { cpu } from './helpers.js';

const STEPS = 20;
const TOL = { atol: 1e-7, rtol: 1e-4 };

/**
 * The smallest |pre-activation| of a batch: how close any example comes to the ReLU kink. Two
 * float32 backends round a 784-term dot product differently by up to ~1e-6; a unit that close to 0
 * can be active on one backend and not on the other, and Adam then carries a real (if tiny)
 * difference. The data below is chosen so that no unit comes that close, and the test checks it.
 */
async function kinkMargin(exe: Executable, c: SaeConfig, x: Float32Array, rows: number): Promise<number> {
  const W = await exe.readState('W_enc');
  const b = await exe.readState('b_enc');
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < c.hiddenDim; j++) {
      let s = b[j];
      for (let k = 0; k < c.inputDim; k++) s += x[r * c.inputDim + k] * W[k * c.hiddenDim + j];
      min = Math.min(min, Math.abs(s));
    }
  }
  return min;
}

/** 20 Adam steps on fresh batches (the last one padded with rows of weight 0) on one backend. */
async function train(
  backend: typeof cpu | ReturnType<typeof createOnnxBackend>,
  c: SaeConfig,
  batch: number,
  seed: number,
) {
  const step = buildTrainStep(c, batch, { kind: 'adam', lr: 1e-3 });
  const state = step.initialState(initParams(c, new Rng(0)));
  const exe = await backend.compile(step.graph, { state });
  const data = new Rng(seed);
  const losses: number[] = [];
  const w = new Float32Array(batch);
  let margin = Number.POSITIVE_INFINITY;
  for (let i = 0; i < STEPS; i++) {
    const rows = i === STEPS - 1 ? batch - 5 : batch;
    const x = data.uniformArray(batch * c.inputDim, 0, 0.25); // small enough that no ReLU unit averages >= 1 (KL = NaN)
    x.fill(0, rows * c.inputDim);
    if (c.encoder === 'relu') margin = Math.min(margin, await kinkMargin(exe, c, x, rows));
    const r = await exe.run({ x, w: rowWeights(w, rows) });
    expect(r.ok[0]).toBe(1);
    losses.push(r.loss[0]);
  }
  const final: Record<string, Float32Array> = {};
  for (const k of Object.keys(state)) final[k] = await exe.readState(k);
  exe.dispose();
  return { losses, final, margin };
}

function expectSame(got: Awaited<ReturnType<typeof train>>, want: Awaited<ReturnType<typeof train>>): void {
  const cs = [compareTensors('loss per step', got.losses, want.losses, TOL)];
  for (const k of Object.keys(want.final)) cs.push(compareTensors(k, got.final[k], want.final[k], TOL));
  expect(
    cs.filter((c) => !c.pass),
    formatComparisons(cs),
  ).toEqual([]);
  for (const p of PARAM_NAMES) expect(cs.find((c) => c.name === p)).toBeDefined();
}

describe('training on the onnx backend matches the CPU backend', () => {
  let want: Awaited<ReturnType<typeof train>> | undefined;
  for (const opset of [17, MAX_OPSET]) {
    it(`${STEPS} Adam steps of the seed model (784 -> 64 -> 784, KL), batch 64: loss per step and final state within 1e-4 relative (opset ${opset})`, async () => {
      want ??= await train(cpu, SEED_CONFIG, 64, 6);
      expect(want.margin, 'precondition: no pre-activation within 2e-6 of the ReLU kink').toBeGreaterThan(
        2e-6,
      );
      const got = await train(createOnnxBackend({ opset }), SEED_CONFIG, 64, 6);
      expectSame(got, want);
      expect(got.final['adam.t'][0]).toBe(STEPS);
      expect(got.losses[STEPS - 1]).toBeLessThan(got.losses[0]);
    });
  }

  it('topk encoder, L1, identity decoder', async () => {
    const c: SaeConfig = {
      inputDim: 31,
      hiddenDim: 12,
      encoder: 'topk',
      k: 4,
      decoder: 'identity',
      sparsity: { kind: 'l1', weight: 0.01 },
    };
    expectSame(await train(createOnnxBackend(), c, 16, 1), await train(cpu, c, 16, 1));
  });

  it('a non-finite batch leaves the parameters as they were (the guard runs in ONNX Runtime)', async () => {
    const c: SaeConfig = {
      inputDim: 13,
      hiddenDim: 5,
      encoder: 'relu',
      decoder: 'sigmoid',
      sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
    };
    const step = buildTrainStep(c, 4, { kind: 'adam', lr: 1e-2 });
    const exe = await createOnnxBackend().compile(step.graph, {
      state: step.initialState(initParams(c, new Rng(1))),
    });
    const w = rowWeights(new Float32Array(4), 4);
    const x = new Rng(2).uniformArray(4 * 13, 0, 1);
    expect((await exe.run({ x, w })).ok[0]).toBe(1);
    const params = ['W_enc', 'b_enc', 'W_dec', 'b_dec'];
    const before = await Promise.all(params.map((k) => exe.readState(k)));
    x[7] = Number.NaN;
    const r = await exe.run({ x, w });
    expect(r.ok[0]).toBe(0);
    expect(r.loss[0]).toBeNaN();
    // Training stops here; only the parameters are the "last good" state (the moments are not kept).
    expect(await Promise.all(params.map((k) => exe.readState(k)))).toEqual(before);
    exe.dispose();
  });
});
