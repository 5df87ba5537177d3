import { describe, expect, it } from 'vitest';
import {
  buildTrainStep,
  initModernParams,
  initParams,
  type ModernSaeConfig,
  modernConfigFromSaeLens,
  paramNamesOf,
  Rng,
  SEED_CONFIG,
  trainedParamNames,
  validateConfig,
  validateModernConfig,
} from '../src/index.js';

const base = { inputDim: 6, hiddenDim: 8 } as const;
const bad = (c: object, msg: RegExp) =>
  expect(() => validateConfig(c as ModernSaeConfig), JSON.stringify(c)).toThrow(msg);

describe('modern configs', () => {
  it('refuse what is wrong, naming the field', () => {
    bad(
      { ...base, architecture: 'gated' },
      /architecture must be one of standard, topk, batchtopk, jumprelu, matryoshka/,
    );
    bad({ ...base, architecture: 'standard' }, /l1Coefficient must be a number >= 0, got undefined/);
    bad({ ...base, architecture: 'topk', k: 2.5 }, /k must be an integer in \[1, hiddenDim=8\], got 2.5/);
    bad({ ...base, architecture: 'batchtopk', k: 9 }, /k must be a number in \(0, hiddenDim=8\], got 9/);
    bad({ ...base, architecture: 'topk', k: 2, l1Coefficient: 1 }, /l1Coefficient applies only to standard/);
    bad({ ...base, architecture: 'topk', k: 2, kk: 1 }, /unknown field "kk"/);
    bad(
      { ...base, architecture: 'matryoshka', k: 2, matryoshkaWidths: [4, 6] },
      /last of matryoshkaWidths must be hiddenDim=8, got 6/,
    );
    bad(
      { ...base, architecture: 'matryoshka', k: 2, matryoshkaWidths: [4, 4, 8] },
      /increasing positive integers/,
    );
    bad(
      { ...base, architecture: 'topk', k: 2, auxk: { kAux: 9 } },
      /auxk.kAux must be an integer in \[1, hiddenDim=8\], got 9/,
    );
    bad(
      { ...base, architecture: 'topk', k: 2, auxk: { kAux: 2, deadAfter: 3 } },
      /auxk: unknown field "deadAfter"/,
    );
    bad(
      { ...base, architecture: 'jumprelu', l0Coefficient: 1, jumpreluBandwidth: 0 },
      /jumpreluBandwidth must be > 0/,
    );
    bad(
      { ...base, architecture: 'standard', l1Coefficient: 1, reconLoss: 'l2' },
      /reconLoss must be mse or nmse, got l2/,
    );
  });

  it('fill the SAELens defaults and survive JSON (cfg.json) unchanged', () => {
    const c: ModernSaeConfig = { ...base, architecture: 'batchtopk', k: 2.5, auxk: { kAux: 3 } };
    expect(validateModernConfig(c)).toMatchObject({
      applyBDecToInput: true,
      reconLoss: 'mse',
      topkThresholdLr: 0.01,
    });
    const back = JSON.parse(JSON.stringify(c)) as ModernSaeConfig;
    expect(back).toEqual(c);
    expect(validateConfig(back)).toBe(back);
  });

  it('read from SAELens names, refusing options saekit does not implement', () => {
    const c = modernConfigFromSaeLens({
      architecture: 'matryoshka_batchtopk',
      d_in: 6,
      d_sae: 8,
      k: 2,
      matryoshka_widths: [2, 8],
      auxk: { k_aux: 3, coefficient: 0.5 },
    });
    expect(c).toEqual({
      ...base,
      architecture: 'matryoshka',
      k: 2,
      matryoshkaWidths: [2, 8],
      auxk: { kAux: 3, coefficient: 0.5 },
    });
    expect(() =>
      modernConfigFromSaeLens({
        architecture: 'topk',
        d_in: 6,
        d_sae: 8,
        k: 2,
        rescale_acts_by_decoder_norm: true,
      }),
    ).toThrow(/rescale_acts_by_decoder_norm=true is not supported/);
  });

  it('give each architecture its tensors; the optimizer trains all but θ', () => {
    const jr: ModernSaeConfig = { ...base, architecture: 'jumprelu', l0Coefficient: 1 };
    const bt: ModernSaeConfig = { ...base, architecture: 'batchtopk', k: 2 };
    expect(paramNamesOf(jr)).toEqual(['W_enc', 'b_enc', 'W_dec', 'b_dec', 'log_threshold']);
    expect(paramNamesOf(bt)).toEqual(['W_enc', 'b_enc', 'W_dec', 'b_dec', 'threshold']);
    expect(trainedParamNames(bt)).toEqual(['W_enc', 'b_enc', 'W_dec', 'b_dec']);
    expect(paramNamesOf(SEED_CONFIG)).toEqual(['W_enc', 'b_enc', 'W_dec', 'b_dec']);
  });

  it('a classic config refuses the modern training options instead of ignoring them', () => {
    expect(() => buildTrainStep(SEED_CONFIG, 4, { kind: 'adam', lr: 1e-3, decoderUnitNorm: true })).toThrow(
      /decoderUnitNorm, gradClip and the schedules need an architecture config/,
    );
  });
});

describe('SAELens initialisation', () => {
  const rowNorms = (W: Float32Array, H: number, D: number) =>
    Array.from({ length: H }, (_, i) => Math.hypot(...W.subarray(i * D, (i + 1) * D)));

  it('standard: decoder rows at norm 0.1, W_enc = W_decᵀ, zero biases', () => {
    const c: ModernSaeConfig = { ...base, architecture: 'standard', l1Coefficient: 1 };
    const p = initParams(c, new Rng(3));
    for (const n of rowNorms(p.W_dec, 8, 6)) expect(n).toBeCloseTo(0.1, 6);
    for (let i = 0; i < 8; i++)
      for (let d = 0; d < 6; d++) expect(p.W_enc[d * 8 + i]).toBe(p.W_dec[i * 6 + d]);
    expect([...p.b_enc, ...p.b_dec].every((v) => v === 0)).toBe(true);
  });

  it('topk: unit rows; jumprelu: log_threshold = ln 0.01; batchtopk: θ = 0', () => {
    const topk = initModernParams({ ...base, architecture: 'topk', k: 2 }, new Rng(3));
    for (const n of rowNorms(topk.W_dec, 8, 6)) expect(n).toBeCloseTo(1, 6);
    const jr = initModernParams({ ...base, architecture: 'jumprelu', l0Coefficient: 1 }, new Rng(3));
    expect(jr.log_threshold).toEqual(new Float32Array(8).fill(Math.log(0.01)));
    expect(initModernParams({ ...base, architecture: 'batchtopk', k: 2 }, new Rng(3)).threshold).toEqual(
      Float32Array.of(0),
    );
  });
});
