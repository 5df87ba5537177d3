import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initParams, Rng, type SaeConfig, SEED_CONFIG, TrainingDivergedError } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { savedDivergence } from '../src/commands/train.js';

describe('a diverged run', () => {
  it('that cannot write its checkpoint still says it diverged, and why the save failed', async () => {
    const config: SaeConfig = { ...SEED_CONFIG, inputDim: 6, hiddenDim: 4 };
    const history = { trainLossPerEpoch: [], testLossPerEpoch: [], testMsePerEpoch: [], secondsPerEpoch: [] };
    const e = new TrainingDivergedError(2, 7, Number.NaN, initParams(config, new Rng(1)), history);
    const dir = await mkdtemp(join(tmpdir(), 'saekit-diverged-'));
    await writeFile(join(dir, 'file'), 'x'); // a run directory under a file cannot be written
    const err = await savedDivergence(e, { config, info: {} }, join(dir, 'file', 'run'));
    expect(err.message).toMatch(/^training diverged at epoch 2, step 7: loss is NaN/);
    expect(err.message).toMatch(/the last good checkpoint could not be saved \(.*ENOTDIR/);
    expect(err.message).toMatch(/try --kl-clamp/);
  });
});
