import { describe, expect, it } from 'vitest';
import {
  buildTrainStep,
  clipGradNorm,
  encode,
  Graph,
  HOST_IO,
  initParams,
  input,
  ModernHostState,
  type ModernSaeConfig,
  paramInputs,
  Rng,
  validateModernConfig,
} from '../src/index.js';
import { TrainingSchedules } from '../src/nn/modern-host.js';
import { createReferenceBackend, evaluateGraph } from '../src/testing/index.js';
import { B, D, H, SMALL } from './helpers/modern-sizes.js';

const base = SMALL;
const batch = () => {
  const rng = new Rng(11);
  return { x: Float32Array.from({ length: B * D }, () => rng.normal()), w: new Float32Array(B).fill(1 / B) };
};
const rowNorms = (W: ArrayLike<number>) =>
  Array.from({ length: H }, (_, i) => Math.hypot(...Array.from({ length: D }, (_, d) => W[i * D + d])));

describe('the modern train step', () => {
  it('ConstrainedAdam: the projected gradient is orthogonal to each row, and rows end at unit norm', async () => {
    const c: ModernSaeConfig = { ...base, architecture: 'topk', k: 2 };
    const step = buildTrainStep(c, B, { kind: 'adam', lr: 0.05, decoderUnitNorm: true });
    const p = initParams(c, new Rng(2));
    for (let i = 0; i < p.W_dec.length; i++) p.W_dec[i] *= 1 + (i % 3) * 0.4; // norms off 1 on purpose
    const exe = await createReferenceBackend({ float32: true }).compile(step.graph, {
      state: step.initialState(p),
    });
    const out = await exe.run(batch());
    const g = out.gradWDecProjected;
    for (let i = 0; i < H; i++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += g[i * D + d] * p.W_dec[i * D + d];
      expect(Math.abs(dot)).toBeLessThan(1e-5);
    }
    expect(g.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    for (const n of rowNorms(await exe.readState('W_dec'))) expect(n).toBeCloseTo(1, 6);
  });

  it('gradient clipping scales all gradients together to the global norm asked (PyTorch clip_grad_norm_)', () => {
    const a = input('a', [3]);
    const b = input('b', [2]);
    const clipped = (max: number) => {
      const g = clipGradNorm({ a, b }, max);
      const v = evaluateGraph(Graph.from({ outputs: g }), { a: [3, 0, 0], b: [0, 4] });
      return [...v.get(g.a)!, ...v.get(g.b)!];
    };
    const n = 5 / (5 + 1e-6); // the norm is 5; PyTorch divides by norm + 1e-6
    const want = [3 / 5, 0, 0, 0, 4 / 5].map((v) => v * n);
    for (const [i, v] of clipped(1).entries()) expect(v).toBeCloseTo(want[i], 14);
    expect(clipped(10)).toEqual([3, 0, 0, 0, 4]);
  });

  it('a learning-rate multiplier of 0 (warm-up fed by the host) leaves the parameters', async () => {
    const c: ModernSaeConfig = { ...base, architecture: 'standard', l1Coefficient: 0.1 };
    const step = buildTrainStep(c, B, { kind: 'adam', lr: 0.01, lrWarmupSteps: 10 });
    expect(step.host).toBeDefined();
    const p = initParams(c, new Rng(2));
    const exe = await createReferenceBackend({ float32: true }).compile(step.graph, {
      state: step.initialState(p),
    });
    await exe.run({ ...batch(), [HOST_IO.lrScale]: Float32Array.of(0) });
    expect(Float32Array.from(await exe.readState('W_enc'))).toEqual(p.W_enc);
    await exe.run({ ...batch(), ...step.host!.feeds() });
    expect(Float32Array.from(await exe.readState('W_enc'))).not.toEqual(p.W_enc);
  });

  it('no host state for a recipe that keeps none', () => {
    const c: ModernSaeConfig = { ...base, architecture: 'topk', k: 2 };
    expect(buildTrainStep(c, B, { kind: 'adam', lr: 1e-3 }).host).toBeUndefined();
  });
});

describe('ModernHostState', () => {
  it('counts tokens since each latent fired and feeds the dead mask; save/restore resumes it', () => {
    const c = validateModernConfig({
      ...base,
      hiddenDim: 4,
      architecture: 'topk',
      k: 2,
      auxk: { kAux: 2, deadAfterTokens: 10 },
    });
    const h = new ModernHostState(c, {});
    h.observe({ fired: Float32Array.of(1, 0, 0, 1) }, 6);
    expect(h.feeds().dead).toEqual(Float32Array.of(0, 0, 0, 0));
    h.observe({ fired: Float32Array.of(0, 0, 1, 1) }, 6);
    expect(h.feeds().dead).toEqual(Float32Array.of(0, 1, 0, 0));
    const again = new ModernHostState(c, {});
    again.restore(JSON.parse(JSON.stringify(h.save())));
    expect(again.feeds().dead).toEqual(Float32Array.of(0, 1, 0, 0));
    expect(() => again.restore({ schedules: { step: 1 } })).toThrow(
      /holds \[schedules\], this recipe keeps \[deadLatents\]/,
    );
  });

  it('moves BatchTopK θ toward the smallest active value, in float64, and not when nothing fired', () => {
    const c = validateModernConfig({ ...base, architecture: 'batchtopk', k: 2 });
    const h = new ModernHostState(c, {}, 0.2);
    h.observe({ minActive: Float32Array.of(0.5) }, B);
    expect(h.threshold).toBe(0.99 * 0.2 + 0.01 * Math.fround(0.5));
    h.observe({ minActive: Float32Array.of(1e30) }, B);
    expect(h.threshold).toBe(0.99 * 0.2 + 0.01 * 0.5);
  });

  it('schedules: linear LR warm-up and decay, sparsity warm-up', () => {
    const o = { lrWarmupSteps: 4, lrDecaySteps: 2, totalSteps: 10, sparsityWarmupSteps: 5 };
    expect([0, 3, 7, 8, 9].map((s) => TrainingSchedules.at(o, s).lr)).toEqual([0.25, 1, 1, 1, 0.5]);
    expect([0, 1, 4, 9].map((s) => TrainingSchedules.at(o, s).sparsity)).toEqual([0.2, 0.4, 1, 1]);
  });
});

describe('encode, the encoder an export lowers', () => {
  it('BatchTopK encodes as JumpReLU at θ: a row alone gives what it gives in a batch', async () => {
    const c: ModernSaeConfig = { ...base, architecture: 'batchtopk', k: 2 };
    const p = { ...initParams(c, new Rng(4)), threshold: Float32Array.of(0.05) };
    const { x } = batch();
    const run = async (rows: number) => {
      const hidden = encode(c, paramInputs(c), input('x', [rows, D])).hidden;
      const exe = await createReferenceBackend({ float32: true }).compile(
        Graph.from({ outputs: { hidden } }),
        {
          state: { W_enc: p.W_enc, b_enc: p.b_enc, b_dec: p.b_dec, threshold: p.threshold },
        },
      );
      return (await exe.run({ x: x.subarray(0, rows * D) })).hidden;
    };
    const all = await run(B);
    expect(await run(1)).toEqual(all.subarray(0, H));
    const pre = Array.from({ length: H }, (_, i) => {
      let s = p.b_enc[i];
      for (let d = 0; d < D; d++) s += (x[d] - p.b_dec[d]) * p.W_enc[d * H + i];
      return s;
    });
    expect(Array.from(all.subarray(0, H), (v) => v > 0)).toEqual(pre.map((v) => v > 0.05));
  });

  it('refuses a modern encoder without its threshold', () => {
    const c: ModernSaeConfig = { ...base, architecture: 'jumprelu', l0Coefficient: 1 };
    const { log_threshold: _, ...p } = paramInputs(c);
    expect(() => encode(c, p, input('x', [2, D]))).toThrow(
      /encode \(jumprelu\): needs the parameters log_threshold/,
    );
  });
});
