import { describe, expect, it } from 'vitest';
import {
  buildTrainStep,
  type Dataset,
  evaluate,
  initParams,
  type ModernSaeConfig,
  Rng,
  type SaeParams,
  type TrainCheckpoint,
  train,
  trainedParamNames,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';
import { B, D, SMALL } from './helpers/modern-sizes.js';

// The trainer with modern recipes: one full batch per epoch, so its steps can be replayed here on
// the step graph directly (the shuffle only permutes the rows of a mean).
const backend = createReferenceBackend({ float32: true });
const OPT = { kind: 'adam', lr: 0.01 } as const;
const EPOCHS = 3;
const data: Dataset = { name: 'toy', n: B, dim: D, x: new Rng(4).normalArray(B * D, 0, 1) };

/** The parameters and host state after EPOCHS steps of the step graph on `data`. */
async function replay(c: ModernSaeConfig, start: SaeParams) {
  const step = buildTrainStep(c, B, OPT, { initialThreshold: start.threshold?.[0] ?? 0 });
  const exe = await backend.compile(step.graph, { state: step.initialState(start) });
  const w = new Float32Array(B).fill(1 / B);
  for (let e = 0; e < EPOCHS; e++) {
    const out = await exe.run({ ...(step.host?.feeds() ?? {}), x: data.x, w });
    step.host?.observe(out, B);
  }
  const params: Record<string, Float32Array> = {};
  for (const n of trainedParamNames(c)) params[n] = await exe.readState(n);
  exe.dispose();
  return { params, threshold: step.host?.threshold };
}

const maxDiff = (a: Float32Array, b: Float32Array) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

describe('train() with modern recipes', () => {
  it('jumprelu: trains log_threshold with the other parameters', async () => {
    const c: ModernSaeConfig = {
      architecture: 'jumprelu',
      ...SMALL,
      l0Coefficient: 0.1,
      jumpreluBandwidth: 1,
    };
    const start = initParams(c, new Rng(3));
    const r = await train(
      backend,
      c,
      { train: data, test: data },
      { epochs: EPOCHS, batchSize: B, seed: 1, optimizer: OPT },
      start,
    );
    const want = await replay(c, start);
    expect(r.params.log_threshold).toHaveLength(SMALL.hiddenDim);
    // The wide kernel puts every pre-activation in the STE window, so θ moves.
    expect(maxDiff(r.params.log_threshold!, start.log_threshold!)).toBeGreaterThan(1e-3);
    for (const n of trainedParamNames(c)) expect(maxDiff(r.params[n]!, want.params[n])).toBeLessThan(1e-5);
    expect(r.test.penaltyKind).toBe('l0');
    expect(r.test.penalty).toBeCloseTo(r.test.l0, 12);
  });

  it('batchtopk: the host threshold lands in the result, checkpoints and evaluation', async () => {
    const c: ModernSaeConfig = { architecture: 'batchtopk', ...SMALL, k: 2, topkThresholdLr: 0.5 };
    const start = initParams(c, new Rng(3));
    const checkpoints: TrainCheckpoint[] = [];
    const r = await train(
      backend,
      c,
      { train: data, test: data },
      {
        epochs: EPOCHS,
        batchSize: B,
        seed: 1,
        optimizer: OPT,
        onCheckpoint: async (k) => {
          checkpoints.push(k);
        },
      },
      start,
    );
    const want = await replay(c, start);
    expect(want.threshold).toBeGreaterThan(0);
    expect(r.params.threshold).toEqual(Float32Array.of(want.threshold!));
    const last = checkpoints[checkpoints.length - 1];
    expect(last.params.threshold).toEqual(Float32Array.of(want.threshold!));
    expect(checkpoints[0].params.threshold).toEqual(Float32Array.of(0));
    for (const n of trainedParamNames(c)) expect(maxDiff(r.params[n]!, want.params[n])).toBeLessThan(1e-5);
    // Inference is JumpReLU at θ: a threshold above every pre-activation silences every latent.
    const silent = await evaluate(backend, c, { ...r.params, threshold: Float32Array.of(1e9) }, data);
    expect(silent.l0).toBe(0);
    expect(r.test.l0).toBeGreaterThan(0);
    expect(r.test.penaltyKind).toBe('none');
  });
});
