import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSaePath } from '../src/node/index.js';
import { CASES, FIXTURES, latentsOf, maxAbsDiff } from './helpers.js';

const EXPECT: Record<string, { format: string; architecture: string; dtype: string; dOut?: number }> = {
  'saelens-standard': { format: 'saelens', architecture: 'standard', dtype: 'F32' },
  'saelens-topk': { format: 'saelens', architecture: 'topk', dtype: 'F32' },
  'saelens-pre6-topk': { format: 'saelens', architecture: 'topk', dtype: 'F32' },
  'saelens-jumprelu-f16': { format: 'saelens', architecture: 'jumprelu', dtype: 'F16' },
  'saelens-batchtopk': { format: 'saelens', architecture: 'jumprelu', dtype: 'F32' },
  'saelens-gated': { format: 'saelens', architecture: 'gated', dtype: 'F32' },
  'saelens-transcoder': { format: 'saelens', architecture: 'transcoder', dtype: 'F32', dOut: 5 },
  'saelens-skip-transcoder': { format: 'saelens', architecture: 'skip_transcoder', dtype: 'F32', dOut: 5 },
  'saelens-jumprelu-transcoder': {
    format: 'saelens',
    architecture: 'jumprelu_transcoder',
    dtype: 'F32',
    dOut: 5,
  },
  'saelens-constant-norm': { format: 'saelens', architecture: 'standard', dtype: 'F32' },
  'saelens-layer-norm': { format: 'saelens', architecture: 'standard', dtype: 'F32' },
  'saelens-expected-average': { format: 'saelens', architecture: 'standard', dtype: 'F32' },
  sparsify: { format: 'sparsify', architecture: 'topk', dtype: 'BF16' },
  'gemma-scope': { format: 'gemma-scope', architecture: 'jumprelu', dtype: 'F32' },
  'gemma-scope-2': { format: 'gemma-scope', architecture: 'jumprelu', dtype: 'F32' },
  'llama-scope': { format: 'llama-scope', architecture: 'jumprelu', dtype: 'BF16' },
};

describe('every fixture loads and encodes as its own project computes (NumPy, in the fixture script)', () => {
  it('covers every fixture the script wrote', () => {
    expect(Object.keys(CASES.latents).sort()).toEqual(Object.keys(EXPECT).sort());
  });
  it.each(Object.entries(EXPECT))('%s', async (name, want) => {
    const s = await loadSaePath(join(FIXTURES, name), CASES.options[name]);
    expect({ format: s.format, architecture: s.architecture, dtype: s.dtype }).toEqual({
      format: want.format,
      architecture: want.architecture,
      dtype: want.dtype,
    });
    expect([s.dIn, s.dSae, s.dOut]).toEqual([6, 8, want.dOut ?? 6]);
    const got = latentsOf(s, CASES.inputs);
    const expected = CASES.latents[name];
    expect(maxAbsDiff(got, expected)).toBeLessThan(1e-6);
    // The fixtures are made so that every encoder zeroes some latents and keeps others.
    const flat = expected.flat();
    expect(flat.some((v) => v === 0) && flat.some((v) => v > 0)).toBe(true);
  });
});
