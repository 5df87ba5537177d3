import { describe, expect, it } from 'vitest';
import {
  configFromText,
  configToJson,
  decodeWeights,
  encodeWeights,
  initParams,
  type ModernSaeConfig,
  paramNamesOf,
  Rng,
} from '../src/index.js';

const CONFIGS: readonly ModernSaeConfig[] = [
  { architecture: 'standard', inputDim: 4, hiddenDim: 6, l1Coefficient: 0.5 },
  { architecture: 'topk', inputDim: 4, hiddenDim: 6, k: 2, auxk: { kAux: 3, deadAfterTokens: 100 } },
  { architecture: 'batchtopk', inputDim: 4, hiddenDim: 6, k: 1.5, applyBDecToInput: false },
  { architecture: 'jumprelu', inputDim: 4, hiddenDim: 6, l0Coefficient: 0.02, jumpreluBandwidth: 0.1 },
  { architecture: 'matryoshka', inputDim: 4, hiddenDim: 6, k: 2, matryoshkaWidths: [2, 6] },
];

const text = (doc: unknown) => JSON.stringify(doc);

describe('cfg.json and weights of modern recipes', () => {
  it.each(CONFIGS)('$architecture: config and every tensor round-trip', (c) => {
    const doc = configToJson(c);
    expect(configFromText(text(doc), 'cfg.json')).toEqual(c);
    const p = initParams(c, new Rng(5));
    if (p.threshold) p.threshold[0] = 0.375;
    const back = decodeWeights(c, encodeWeights(c, p));
    expect(Object.keys(back).sort()).toEqual([...paramNamesOf(c)].sort());
    for (const n of paramNamesOf(c)) expect(back[n]).toEqual(p[n]);
  });

  it('writes SAELens names beside the saekit config', () => {
    expect(configToJson(CONFIGS[4])).toMatchObject({
      architecture: 'matryoshka_batchtopk',
      d_in: 4,
      d_sae: 6,
      apply_b_dec_to_input: true,
      k: 2,
      topk_threshold_lr: 0.01,
      matryoshka_widths: [2, 6],
    });
    expect(configToJson(CONFIGS[3])).toMatchObject({
      architecture: 'jumprelu',
      l0_coefficient: 0.02,
      jumprelu_bandwidth: 0.1,
    });
    expect(configToJson(CONFIGS[0])).not.toHaveProperty('k');
  });

  it('refuses SAELens fields that contradict the saekit config, and bad saekit fields, by name', () => {
    const doc = configToJson(CONFIGS[1]);
    expect(() => configFromText(text({ ...doc, k: 3 }), 'r/cfg.json')).toThrow(
      /r\/cfg\.json: k=3 contradicts/,
    );
    expect(() => configFromText(text({ ...doc, l1_coefficient: 1 }), 'cfg.json')).toThrow(
      /l1_coefficient=1 contradicts/,
    );
    expect(() => configFromText(text({ ...doc, apply_b_dec_to_input: false }), 'cfg.json')).toThrow(
      /apply_b_dec_to_input=false contradicts/,
    );
    const bad = { ...doc, saekit: { ...CONFIGS[1], l0Coefficient: 1 } };
    expect(() => configFromText(text(bad), 'cfg.json')).toThrow(/l0Coefficient applies only to jumprelu/);
    const arch = { ...doc, saekit: { ...CONFIGS[1], architecture: 'gated' } };
    expect(() => configFromText(text(arch), 'cfg.json')).toThrow(/saekit.architecture must be one of/);
  });

  it('names a missing threshold tensor', () => {
    const c = CONFIGS[2];
    const p = initParams(c, new Rng(1));
    const plain = encodeWeights({ architecture: 'topk', inputDim: 4, hiddenDim: 6, k: 1 }, p);
    expect(() => decodeWeights(c, plain, 'w.safetensors')).toThrow(
      /w\.safetensors: tensor "threshold" is missing/,
    );
  });
});
