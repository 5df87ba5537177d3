import { loadBackend } from '@saekit/backends';
import { evaluate, initParams, Rng, type SaeConfig } from '@saekit/core';
import { syntheticSparse } from '@saekit/datasets';
import { describe, expect, it } from 'vitest';
import { featureDensityOf } from '../src/report/density.js';
import { drawReport } from '../src/report/draw.js';
import type { Run } from '../src/run-dir.js';

const config: SaeConfig = {
  inputDim: 64,
  hiddenDim: 16,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 1e-3 },
};
const s = syntheticSparse({ seed: 2, nTrain: 300, nTest: 200 });
const params = initParams(config, new Rng(4));

describe("a synthetic run's figures", () => {
  it('show feature recovery instead of the decoder heat map, vector reconstructions, and the density', async () => {
    const cpu = await loadBackend('cpu');
    const m = await evaluate(cpu, config, params, s.test);
    const run: Run = {
      config,
      params,
      info: { dataset: 'synthetic', seed: 2 },
      metrics: { trainLossPerEpoch: [0.5], test: { ...m, saebench: m.saebench } },
    };
    const data = {
      name: 'synthetic',
      splits: s,
      dictionary: { data: s.dictionary, numFeatures: 128 },
    };
    const files = await drawReport({ run, data, forward: cpu });
    expect(Object.keys(files).sort()).toEqual([
      'feature-density.png',
      'feature-recovery.png',
      'index.html',
      'latent-scatter.png',
      'loss.png',
      'mean-activation.png',
      'reconstructions.png',
    ]);
    const html = files['index.html'] as string;
    expect(html).toContain('each one&#39;s input values and its reconstruction');
    expect(html).toContain('fraction of test examples on which it is active');
    expect(html).toContain('true features was recovered');
    // SAEBench's metrics in the table, from metrics.json's test.saebench.
    expect(html).toContain(
      `<th scope="row">saebench explained_variance</th><td>${Number(m.saebench.explained_variance.toPrecision(6))}</td>`,
    );
    expect(html).toContain(`<th scope="row">saebench dead_count</th><td>${m.saebench.dead_count}</td>`);
  });
});

describe('featureDensityOf', () => {
  // 4 rows of 3 latents: latent 0 fires on rows 0-1, latent 1 on every row, latent 2 never.
  const hidden = Float32Array.from([1, 2, 0, 3, 1, 0, 0, 5, -1, 0, 1, 0]);

  it("takes the test densities of the run's metrics when they fit the model", () => {
    const test = { saebench: { n: 200, featureDensity: [0.5, 0.25, 0] } };
    expect(featureDensityOf(test, hidden, 4, 3)).toEqual({
      density: [0.5, 0.25, 0],
      examples: 200,
      split: 'test',
    });
  });

  it('else counts them on the training latents at hand (negative values are not active)', () => {
    const counted = { density: [0.5, 1, 0], examples: 4, split: 'training' };
    expect(featureDensityOf({}, hidden, 4, 3)).toEqual(counted);
    expect(featureDensityOf({ saebench: { n: 9, featureDensity: [0.5, 0.5] } }, hidden, 4, 3)).toEqual(
      counted,
    );
    expect(featureDensityOf({ saebench: { n: 9, featureDensity: [0.5, 2, 0] } }, hidden, 4, 3)).toEqual(
      counted,
    );
  });
});
