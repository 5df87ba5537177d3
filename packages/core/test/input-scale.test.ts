import { describe, expect, it } from 'vitest';
import {
  foldInputScale,
  forwardDataset,
  inputScaleFor,
  Rng,
  type SaeConfig,
  type SaeParams,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

// A model trained on x' = s·x, folded, run on raw x: the same latents, the reconstruction / s.
const backend = createReferenceBackend({ float32: true });
const config: SaeConfig = {
  inputDim: 5,
  hiddenDim: 7,
  encoder: 'topk',
  k: 3,
  decoder: 'identity',
  sparsity: { kind: 'none' },
};
const rng = new Rng(4);
const params: SaeParams = {
  W_enc: rng.normalArray(35),
  b_enc: rng.normalArray(7, 0, 0.1),
  W_dec: rng.normalArray(35),
  b_dec: rng.normalArray(5),
};
const n = 6;
const x = rng.normalArray(n * 5, 0, 3);

describe('foldInputScale', () => {
  it('the folded model on raw x gives the latents of the model on s·x and its reconstruction / s', async () => {
    const s = inputScaleFor(5, 6.5);
    expect(s).toBeCloseTo(Math.sqrt(5) / 6.5, 15);
    const scaled = x.map((v) => v * s);
    const trained = await forwardDataset(backend, config, params, scaled, n, ['hidden', 'recon']);
    const folded = await forwardDataset(backend, config, foldInputScale(config, params, s), x, n, [
      'hidden',
      'recon',
    ]);
    for (let i = 0; i < trained.hidden.length; i++)
      expect(folded.hidden[i]).toBeCloseTo(trained.hidden[i], 4);
    for (let i = 0; i < trained.recon.length; i++)
      expect(folded.recon[i] * s).toBeCloseTo(trained.recon[i], 4);
    expect(folded.hidden.filter((v) => v > 0).length).toBe(n * 3);
  });

  it('refuses a sigmoid decoder and a scale that is not a positive number', () => {
    expect(() => foldInputScale({ ...config, decoder: 'sigmoid' }, params, 2)).toThrow(
      /sigmoid decoder cannot/,
    );
    expect(() => foldInputScale(config, params, 0)).toThrow(/positive number/);
  });
});
