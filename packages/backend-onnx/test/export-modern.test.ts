import {
  ARCHITECTURES,
  buildForwardGraph,
  initParams,
  type ModernSaeConfig,
  Rng,
  type SaeParams,
} from '@saekit/core';
import { compareTensors, formatComparisons } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { exportSae, OnnxSaeModel } from '../src/index.js';
import { cpu, runOnce } from './helpers.js';

// Every architecture's encoder (its thresholds and b_dec included) in onnxruntime against the
// CPU backend's inference forward pass.
const D = 6;
const H = 10;
const CONFIGS: Record<string, ModernSaeConfig> = {
  standard: { architecture: 'standard', inputDim: D, hiddenDim: H, l1Coefficient: 1 },
  topk: { architecture: 'topk', inputDim: D, hiddenDim: H, k: 3 },
  batchtopk: { architecture: 'batchtopk', inputDim: D, hiddenDim: H, k: 3 },
  jumprelu: { architecture: 'jumprelu', inputDim: D, hiddenDim: H, l0Coefficient: 1 },
  matryoshka: { architecture: 'matryoshka', inputDim: D, hiddenDim: H, k: 3, matryoshkaWidths: [4, H] },
};

/** Parameters where every part of the encoder matters: biases set, thresholds that cut some latents. */
function params(c: ModernSaeConfig): SaeParams {
  const rng = new Rng(7);
  const p = initParams(c, rng);
  p.b_enc = rng.uniformArray(H, -0.2, 0.2);
  p.b_dec = rng.uniformArray(D, -0.5, 0.5);
  if (p.log_threshold) p.log_threshold = Float32Array.from(rng.uniformArray(H, 0.01, 0.3), Math.log);
  if (p.threshold) p.threshold = Float32Array.of(0.15);
  return p;
}

describe('ONNX export of every architecture’s encoder', () => {
  it('covers every architecture', () =>
    expect(Object.keys(CONFIGS).sort()).toEqual([...ARCHITECTURES].sort()));

  for (const [arch, c] of Object.entries(CONFIGS)) {
    it(`${arch}: onnxruntime's latents match the CPU backend's to 1e-5, any batch size`, async () => {
      const p = params(c);
      const model = await OnnxSaeModel.load(exportSae(c, p, { part: 'encoder' }), { maxBatch: 64 });
      try {
        expect(model.config).toEqual(c);
        for (const n of [1, 7, 300]) {
          const x = new Rng(n).uniformArray(n * D, -1, 1);
          const want = (await runOnce(cpu, buildForwardGraph(c, n), { x }, { ...p })).hidden;
          const got = await model.encode(x, n);
          const cmp = compareTensors(`${arch} latents n=${n}`, got, want, { atol: 1e-5, rtol: 0 });
          expect(cmp.pass, formatComparisons([cmp])).toBe(true);
          if (n === 300) {
            // Neither all zero nor all active: the activation and its threshold are exercised.
            const active = want.filter((v) => v > 0).length;
            expect(active).toBeGreaterThan(0);
            expect(active).toBeLessThan(want.length);
          }
        }
      } finally {
        await model.dispose();
      }
    });
  }

  it('a model whose threshold initializer is missing is refused by name', async () => {
    const c = CONFIGS.batchtopk;
    const p = params(c);
    const other = exportSae({ ...CONFIGS.topk }, p, { part: 'encoder' });
    // The topk export under batchtopk's metadata: the config asks for a threshold the graph lacks.
    const { decodeModel, encodeModelProto } = await import('../src/index.js');
    const m = decodeModel(other);
    for (const kv of m.metadata_props ?? []) if (kv.key === 'saekit.config') kv.value = JSON.stringify(c);
    await expect(OnnxSaeModel.load(encodeModelProto(m))).rejects.toThrow(/threshold/);
  });
});
