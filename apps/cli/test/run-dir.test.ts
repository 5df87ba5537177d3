import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParams, Rng, type SaeConfig, SEED_CONFIG } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import {
  RUN_FILES,
  type Run,
  readModel,
  readRun,
  readRunState,
  writeRun,
  writeRunFigures,
} from '../src/run-dir.js';

const config: SaeConfig = { ...SEED_CONFIG, inputDim: 6, hiddenDim: 4 };
const run: Run = {
  config,
  params: initParams(config, new Rng(1)),
  info: {
    dataset: 'mnist',
    backend: 'cpu',
    epochs: 2,
    batchSize: 8,
    optimizer: { kind: 'adam', lr: 1e-3 },
    seed: 4,
  },
  metrics: {
    trainLossPerEpoch: [0.5, 0.25],
    testLossPerEpoch: [0.6, 0.3],
    secondsPerEpoch: [1.5, 1.25],
    test: { mse: 0.1, total: 0.2, kl: 0.3, penaltyKind: 'kl', meanActivation: [0.1, 0.2, 0.3, 0.4] },
  },
};
const tmp = () => mkdtemp(join(tmpdir(), 'saekit-run-dir-'));

describe('the run directory', () => {
  it('reads back what it wrote, and nothing else is left in the directory', async () => {
    const dir = join(await tmp(), 'run');
    await writeRun(dir, run);
    expect((await readdir(dir)).sort()).toEqual(
      [RUN_FILES.config, RUN_FILES.metrics, RUN_FILES.run, RUN_FILES.weights].sort(),
    );
    const back = await readRun(dir);
    expect(back.config).toEqual(config);
    expect(back.params).toEqual(run.params);
    expect(back.metrics).toEqual(run.metrics);
    expect(back.info).toEqual({ ...run.info, config }); // run.json holds the config too
    expect(await readRunState(dir)).toEqual({ status: 'complete', epoch: 2 }); // and where the run is
    expect(await readModel(dir)).toEqual({ config, params: run.params });
    const files = await writeRunFigures(dir, { 'a.png': new Uint8Array([1, 2]), 'index.html': '<p>' });
    expect(files).toEqual([join(dir, 'a.png'), join(dir, 'index.html')]);
    expect((await readdir(dir)).length).toBe(6);
  });

  it('a checkpoint with metrics but no run.json reads with empty info', async () => {
    const dir = join(await tmp(), 'run');
    await writeRun(dir, run);
    await rm(join(dir, RUN_FILES.run));
    expect((await readRun(dir)).info).toEqual({});
  });

  it('names the file that is missing or malformed', async () => {
    const dir = join(await tmp(), 'run');
    await writeRun(dir, { ...run, metrics: undefined });
    await expect(readRun(dir)).rejects.toThrow(/metrics\.json: not found \(was the run finished\?\)$/);
    await writeFile(join(dir, RUN_FILES.metrics), '[1]');
    await expect(readRun(dir)).rejects.toThrow(/metrics\.json: not a JSON object$/);
    await writeFile(join(dir, RUN_FILES.metrics), JSON.stringify(run.metrics));
    await writeFile(join(dir, RUN_FILES.run), '{ oops');
    await expect(readRun(dir)).rejects.toThrow(/run\.json: not valid JSON/);
  });
});

describe('metrics.json', () => {
  it('keeps NaN, Infinity and -Infinity apart, and reads them back as numbers', async () => {
    const dir = join(await tmp(), 'run');
    const metrics = {
      ...run.metrics,
      trainLossPerEpoch: [0.5, Number.NaN, Number.POSITIVE_INFINITY],
      test: { ...run.metrics.test, mse: Number.NEGATIVE_INFINITY },
    };
    await writeRun(dir, { ...run, metrics });
    const text = await readFile(join(dir, RUN_FILES.metrics), 'utf8');
    expect(JSON.parse(text).trainLossPerEpoch).toEqual([0.5, 'NaN', 'Infinity']);
    const back = await readRun(dir);
    expect(back.metrics.trainLossPerEpoch).toEqual([0.5, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(back.metrics.test.mse).toBe(Number.NEGATIVE_INFINITY);
  });
});
