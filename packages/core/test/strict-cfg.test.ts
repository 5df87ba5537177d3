import { describe, expect, it } from 'vitest';
import { CheckpointConfigError, configFromText, configToJson, type SaeConfig } from '../src/index.js';
import { expectRefusal } from './refusal.js';

const topk: SaeConfig = {
  inputDim: 8,
  hiddenDim: 32,
  encoder: 'topk',
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 0.01 },
  k: 4,
};
const relu: SaeConfig = { ...topk, encoder: 'relu', k: undefined };
delete (relu as { k?: number }).k;

const refused = (text: string, pattern: RegExp): void =>
  expectRefusal(() => configFromText(text, 'run/cfg.json'), CheckpointConfigError, 'run/cfg.json', pattern);

const ours = (c: SaeConfig, patch: Record<string, unknown> = {}): string =>
  JSON.stringify({ ...configToJson(c), ...patch });

describe('cfg.json: read as a schema (each was loaded before)', () => {
  it('reads what saekit writes, unchanged', () => {
    expect(configFromText(ours(topk), 'x')).toEqual(topk);
    expect(configFromText(ours(relu), 'x')).toEqual(relu);
  });

  it('a one-bit change in the "saekit" key does not fall back to the SAELens fields', () => {
    const text = ours(topk);
    for (let bit = 0; bit < 7; bit++) {
      const flipped = String.fromCharCode('s'.charCodeAt(0) ^ (1 << bit));
      refused(text.replace('"saekit"', `"${flipped}aekit"`), /looks like a damaged "saekit" key/);
    }
    refused(text.replace('"saekit"', '"saekiT"'), /damaged "saekit" key/);
  });

  it('SAELens fields that contradict the saekit config', () => {
    refused(ours(topk, { d_in: 999 }), /d_in=999 contradicts saekit's config \(8\)/);
    refused(ours(topk, { activation_fn_kwargs: { k: 5 } }), /activation_fn_kwargs=.* contradicts/);
    refused(ours(relu, { architecture: 'topk' }), /architecture="topk" contradicts/);
  });

  it('k: -1, or a k the encoder does not use', () => {
    refused(
      JSON.stringify({ ...configToJson(topk), saekit: { ...topk, k: -1 } }),
      /k, an integer in \[1, hiddenDim=32\], got -1/,
    );
    refused(
      JSON.stringify({ ...configToJson(relu), saekit: { ...relu, k: -1 } }),
      /k=-1 given for the "relu" encoder/,
    );
    refused(
      JSON.stringify({ d_in: 8, d_sae: 32, activation_fn_kwargs: { k: -1 } }),
      /k=-1 given for a ReLU SAE/,
    );
  });

  it('SAELens settings saekit does not compute are "not supported", not a plain ReLU model', () => {
    const base = { d_in: 8, d_sae: 32 };
    refused(
      JSON.stringify({ ...base, architecture: 'jumprelu' }),
      /architecture "jumprelu" is not supported/,
    );
    refused(JSON.stringify({ ...base, architecture: 'gated' }), /architecture "gated" is not supported/);
    refused(
      JSON.stringify({ ...base, normalize_activations: 'expected_average_only_in' }),
      /normalize_activations "expected_average_only_in" is not supported/,
    );
    refused(JSON.stringify({ ...base, dtype: 'float16' }), /dtype "float16" is not supported/);
  });

  it('duplicate keys, a byte order mark, unknown fields, strings for numbers', () => {
    refused(`{"saekit":${JSON.stringify(topk)},"saekit":${JSON.stringify(relu)}}`, /duplicate key "saekit"/);
    refused(`\uFEFF${ours(topk)}`, /byte order mark/);
    refused(JSON.stringify({ saekit: { ...topk, hidenDim: 3 } }), /unknown field "hidenDim"/);
    refused(
      JSON.stringify({ saekit: { ...relu, sparsity: { kind: 'constructor' } } }),
      /sparsity must be an object/,
    );
    refused(JSON.stringify({ saekit: { ...relu, sparsity: { kind: 'kl', rho: '0.05', weight: 1 } } }), /rho/);
  });

  it('still reads a SAELens standard and topk SAE', () => {
    expect(
      configFromText(JSON.stringify({ d_in: 8, d_sae: 32, architecture: 'standard', dtype: 'float32' }), 'x'),
    ).toMatchObject({
      encoder: 'relu',
      hiddenDim: 32,
    });
    expect(
      configFromText(
        JSON.stringify({ d_in: 8, d_sae: 32, architecture: 'topk', activation_fn_kwargs: { k: 4 } }),
        'x',
      ),
    ).toMatchObject({ encoder: 'topk', k: 4 });
  });
});
