import { loadBackend } from '@saekit/backends';
import {
  type Backend,
  ForwardRunner,
  forwardDataset,
  initParams,
  Rng,
  type SaeConfig,
  type SaeParams,
} from '@saekit/core';
import { syntheticSparse } from '@saekit/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedData } from '../src/data.js';
import { drawReport } from '../src/report/draw.js';
import { forwardPasses } from '../src/report/forward.js';
import type { Run } from '../src/run-dir.js';

const config: SaeConfig = {
  inputDim: 64,
  hiddenDim: 24,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 1e-3 },
};
// 1500 examples: two forward batches of 1000, the second padded.
const s = syntheticSparse({ seed: 3, nTrain: 1500, nTest: 40 });
const data: LoadedData = { name: 'synthetic', splits: s };
const params = initParams(config, new Rng(7));
let cpu: Backend;

beforeAll(async () => {
  cpu = await loadBackend('cpu');
});

describe('forwardPasses', () => {
  it('gives the bits of two separate forward passes (what the report drew before) from one executable', async () => {
    const shown = 10;
    const originals = s.test.x.subarray(0, shown * config.inputDim);
    const got = await forwardPasses(cpu, config, params, s.train, originals, shown);
    const { hidden } = await forwardDataset(cpu, config, params, s.train.x, s.train.n, ['hidden']);
    const { recon } = await forwardDataset(cpu, config, params, originals, shown, ['recon']);
    expect(got.hidden).toEqual(hidden);
    expect(got.recon).toEqual(recon);
    expect(hidden.some((v) => v > 0)).toBe(true);
  });
});

describe('drawReport', () => {
  const run = (p: SaeParams): Run => ({
    config,
    params: p,
    info: { dataset: 'synthetic', seed: 3 },
    metrics: {
      trainLossPerEpoch: [0.5, 0.25],
      testLossPerEpoch: [0.6, 0.3],
      test: { mse: 0.1, total: 0.2, meanActivation: Array.from({ length: 24 }, (_, j) => j / 100) },
    },
  });

  it('draws the same files from a compiled runner (given other parameters) as from a backend, compiling once', async () => {
    let compiles = 0;
    const counting: Backend = {
      ...cpu,
      compile: (graph, opts) => {
        compiles++;
        return cpu.compile(graph, opts);
      },
    };
    const fromBackend = await drawReport({
      run: run(params),
      data,
      forward: counting,
      encoderFeatures: true,
    });
    expect(compiles).toBe(1);
    expect(Object.keys(fromBackend).sort()).toEqual([
      'encoder-features.png',
      'feature-density.png',
      'features.png',
      'index.html',
      'latent-scatter.png',
      'loss.png',
      'mean-activation.png',
      'reconstructions.png',
    ]);
    // The runner is compiled with other parameters: the report must set the run's.
    const runner = await ForwardRunner.create(counting, config, initParams(config, new Rng(8)), 1000);
    try {
      const fromRunner = await drawReport({ run: run(params), data, forward: runner, encoderFeatures: true });
      expect(compiles).toBe(2); // the runner's own, none more
      expect(fromRunner).toEqual(fromBackend);
      const other = await drawReport({ run: run(initParams(config, new Rng(8))), data, forward: runner });
      expect(other['latent-scatter.png']).not.toEqual(fromBackend['latent-scatter.png']);
    } finally {
      runner.dispose();
    }
  });

  it('refuses data of another width and scatter dims beyond the model', async () => {
    const wide = syntheticSparse({ seed: 3, inputDim: 32, nTrain: 20, nTest: 5 });
    await expect(
      drawReport({ run: run(params), data: { name: 'w', splits: wide }, forward: cpu }),
    ).rejects.toThrow(/^report: the run's data \(.*\) has 32 features, the model takes 64$/);
    await expect(drawReport({ run: run(params), data, forward: cpu, dims: [0, 24] })).rejects.toThrow(
      'report: --dims 0,24: the model has 24 hidden units',
    );
  });
});
