import {
  buildTrainStep,
  type Dataset,
  evaluate,
  initParams,
  mmcs,
  Rng,
  rowWeights,
  type SaeConfig,
  type SaeParams,
  type TrainEvent,
  TrainingDivergedError,
  train,
} from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

const cfg: SaeConfig = {
  inputDim: 8,
  hiddenDim: 6,
  encoder: 'relu',
  decoder: 'sigmoid',
  sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
};

function data(n: number, dim: number, seed: number, name = 'toy'): Dataset {
  return { name, n, dim, x: new Rng(seed).uniformArray(n * dim) };
}

describe('the one-graph training step', () => {
  it('a zero-padded partial batch trains exactly like a batch of its real size', async () => {
    const cpu = createCpuBackend();
    const params = initParams(cfg, new Rng(1));
    const x = new Rng(2).uniformArray(3 * 8, 0, 0.3); // small inputs keep KL's rho_hat below 1
    const small = buildTrainStep(cfg, 3, { kind: 'adam', lr: 1e-2 });
    const padded = buildTrainStep(cfg, 5, { kind: 'adam', lr: 1e-2 });
    const a = await cpu.compile(small.graph, { state: small.initialState(params) });
    const b = await cpu.compile(padded.graph, { state: padded.initialState(params) });
    const xPad = new Float32Array(5 * 8);
    xPad.set(x);
    for (let i = 0; i < 3; i++) {
      const la = (await a.run({ x, w: rowWeights(new Float32Array(3), 3) })).loss[0];
      const lb = (await b.run({ x: xPad, w: rowWeights(new Float32Array(5), 3) })).loss[0];
      expect(Math.abs(la - lb)).toBeLessThan(1e-6);
    }
    for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) {
      const pa = await a.readState(p);
      const pb = await b.readState(p);
      for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-6);
    }
  });
});

describe('train', () => {
  it('runs every step including the last partial batch, is reproducible for a seed, and learns', async () => {
    const splits = { train: data(50, 8, 3), test: data(20, 8, 4) };
    const events: TrainEvent[] = [];
    const opts = { epochs: 3, batchSize: 16, seed: 7, optimizer: { kind: 'adam' as const, lr: 1e-2 } };
    const r1 = await train(createCpuBackend(), cfg, splits, { ...opts, onEvent: (e) => events.push(e) });
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.length).toBe(3 * 4); // ceil(50 / 16) = 4 steps, the last one of 2 examples
    expect(events.filter((e) => e.type === 'epoch').length).toBe(3);
    expect(r1.history.trainLossPerEpoch.length).toBe(3);
    expect(r1.history.testLossPerEpoch.length).toBe(3);
    expect(r1.history.trainLossPerEpoch[2]).toBeLessThan(r1.history.trainLossPerEpoch[0]);
    const r2 = await train(createCpuBackend(), cfg, splits, opts);
    expect([...r2.params.W_enc]).toEqual([...r1.params.W_enc]);
    const r3 = await train(createCpuBackend(), cfg, splits, { ...opts, seed: 8 });
    expect([...r3.params.W_enc]).not.toEqual([...r1.params.W_enc]);
  });

  it('a NaN loss stops training naming epoch and step, and keeps the parameters from before that step', async () => {
    // b_enc = 5 makes every ReLU unit fire above 1 on average: KL's log(1 - rho_hat) is NaN.
    const params = initParams(cfg, new Rng(5));
    params.b_enc.fill(5);
    const splits = { train: data(32, 8, 1), test: data(8, 8, 2) };
    const err = await train(
      createCpuBackend(),
      cfg,
      splits,
      { epochs: 2, batchSize: 8, seed: 0, optimizer: { kind: 'adam', lr: 1e-3 } },
      params,
    ).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    expect(err.message).toMatch(/training diverged at epoch 1, step 1: loss is NaN/);
    expect((err as TrainingDivergedError).epoch).toBe(1);
    expect([...(err as TrainingDivergedError).lastGoodParams.b_enc]).toEqual([...params.b_enc]);
    expect([...(err as TrainingDivergedError).lastGoodParams.W_enc]).toEqual([...params.W_enc]);
  });

  it('the clamped KL keeps training where the seed formula is NaN, and agrees with it below 1', async () => {
    const params = initParams(cfg, new Rng(5));
    params.b_enc.fill(5); // every unit's mean activation above 1: the seed's KL is NaN at step 1
    const splits = { train: data(32, 8, 1), test: data(8, 8, 2) };
    const clamped: SaeConfig = { ...cfg, sparsity: { kind: 'kl', rho: 0.05, weight: 0.1, clamp: true } };
    const opts = { epochs: 2, batchSize: 8, seed: 0, optimizer: { kind: 'adam' as const, lr: 1e-3 } };
    const r = await train(createCpuBackend(), clamped, splits, opts, params);
    expect(r.history.trainLossPerEpoch.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(r.test.penalty)).toBe(true);
    // Where every mean activation is inside (0, 1), clamping changes nothing.
    const small = { train: data(16, 8, 3), test: data(8, 8, 4) };
    const x = { ...small.train, x: small.train.x.map((v) => v * 0.1) };
    const a = await train(createCpuBackend(), cfg, { train: x, test: x }, { ...opts, epochs: 1 });
    const b = await train(createCpuBackend(), clamped, { train: x, test: x }, { ...opts, epochs: 1 });
    expect(b.history.trainLossPerEpoch[0]).toBeCloseTo(a.history.trainLossPerEpoch[0], 6);
  });

  it('refuses data that does not fit the model, and bad options', async () => {
    const splits = { train: data(8, 5, 1), test: data(8, 5, 2) };
    await expect(
      train(createCpuBackend(), cfg, splits, {
        epochs: 1,
        batchSize: 4,
        seed: 0,
        optimizer: { kind: 'adam', lr: 1e-3 },
      }),
    ).rejects.toThrow(/dataset toy has 5 features, the model takes inputDim=8/);
    const ok = { train: data(8, 8, 1), test: data(8, 8, 2) };
    await expect(
      train(createCpuBackend(), cfg, ok, {
        epochs: 1,
        batchSize: 0,
        seed: 0,
        optimizer: { kind: 'adam', lr: 1e-3 },
      }),
    ).rejects.toThrow(/batch size must be a positive integer/);
    await expect(
      train(createCpuBackend(), cfg, ok, {
        epochs: 1,
        batchSize: 4,
        seed: 0,
        optimizer: { kind: 'adam', lr: -1 },
      }),
    ).rejects.toThrow(/lr must be a positive number/);
  });
});

describe('metrics', () => {
  // An identity SAE on non-negative data: reconstruction is exact, and activity is the data's.
  const id: SaeConfig = {
    inputDim: 3,
    hiddenDim: 4,
    encoder: 'relu',
    decoder: 'identity',
    sparsity: { kind: 'l1', weight: 0.5 },
  };
  const params: SaeParams = {
    W_enc: Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0),
    b_enc: new Float32Array(4),
    W_dec: Float32Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0),
    b_dec: new Float32Array(3),
  };
  const ds: Dataset = { name: 'hand', n: 3, dim: 3, x: Float32Array.of(1, 0, 2, 0, 0, 3, 4, 0, 1) };

  it('exact reconstruction: mse 0, fvu 0; L0, L1, dead units and mean activation as counted by hand', async () => {
    const m = await evaluate(createCpuBackend(), id, params, ds, { batchSize: 2 }); // 2 + a padded 1
    expect(m.mse).toBe(0);
    expect(m.fvu).toBe(0);
    expect(m.l0).toBeCloseTo(5 / 3, 12); // nonzeros: 2 + 1 + 2
    expect(m.penalty).toBeCloseTo(11 / 3, 6); // L1: (3 + 3 + 5) / 3
    expect(m.total).toBeCloseTo(0.5 * (11 / 3), 6);
    expect(m.deadUnits).toBe(2); // unit 1 (column of zeros) and unit 3 (no input)
    expect(m.meanActivation.map((v) => Number(v.toFixed(6)))).toEqual(
      [5 / 3, 0, 2, 0].map((v) => Number(v.toFixed(6))),
    );
  });

  it('fvu is 1 for a model that outputs the per-feature mean', async () => {
    const mean: SaeParams = {
      ...params,
      W_enc: new Float32Array(12),
      W_dec: new Float32Array(12),
      b_dec: Float32Array.of(5 / 3, 0, 2),
    };
    const m = await evaluate(createCpuBackend(), id, mean, ds);
    expect(m.fvu).toBeCloseTo(1, 6);
    expect(m.l0).toBe(0);
    expect(m.deadUnits).toBe(4);
  });

  it('mmcs: 1 when the dictionary is among the decoder rows, lower when it is not', () => {
    const dict = Float32Array.of(1, 0, 0, 0, 1, 0);
    expect(mmcs(dict, 2, Float32Array.of(0, 2, 0, 0, 0, 1, 3, 0, 0), 3)).toBeCloseTo(1, 12);
    expect(mmcs(dict, 2, Float32Array.of(1, 1, 0), 1)).toBeCloseTo(Math.SQRT1_2, 6);
    expect(() => mmcs(dict, 2, new Float32Array(4), 1)).toThrow(/disagree on the input size/);
  });
});
