import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnySaeConfig, initParams, Rng } from '@saekit/core';
import { saveCheckpoint } from '@saekit/core/node';
import { beforeAll, describe, expect, it } from 'vitest';
import { saekit } from './run.js';

// --model given as a run's cfg.json; inspect of a modern saekit run.

let dir = '';
const MODERN: AnySaeConfig = { architecture: 'jumprelu', inputDim: 5, hiddenDim: 7, l0Coefficient: 0.5 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saekit-paths-'));
  const classic: AnySaeConfig = {
    inputDim: 64, // the synthetic dataset's width
    hiddenDim: 8,
    encoder: 'relu',
    decoder: 'identity',
    sparsity: { kind: 'l1', weight: 0.01 },
  };
  await saveCheckpoint(join(dir, 'classic'), classic, initParams(classic, new Rng(1)));
  await saveCheckpoint(join(dir, 'modern'), MODERN, initParams(MODERN, new Rng(1)));
});

describe('saekit eval --model RUN/cfg.json', () => {
  it('evaluates the run the cfg.json is in, as its directory gives', () => {
    const args = ['--dataset', 'synthetic', '--limit', '50', '--json', '-'];
    const byDir = saekit('eval', '--model', join(dir, 'classic'), ...args);
    const byCfg = saekit('eval', '--model', join(dir, 'classic', 'cfg.json'), ...args);
    expect(byCfg.code, byCfg.stderr).toBe(0);
    const { model: m1, ...fromDir } = JSON.parse(byDir.stdout);
    const { model: m2, ...fromCfg } = JSON.parse(byCfg.stdout);
    expect([m1, m2]).toEqual([join(dir, 'classic'), join(dir, 'classic', 'cfg.json')]);
    expect(fromCfg).toEqual(fromDir);
  });
});

describe('saekit inspect on a modern saekit run', () => {
  it('shows the SAELens fields of its cfg.json beside the saekit config and the tensor shapes', () => {
    const r = saekit('inspect', join(dir, 'modern'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      format: 'saekit',
      architecture: 'jumprelu',
      d_in: 5,
      d_sae: 7,
      dtype: 'float32',
      apply_b_dec_to_input: true,
      l0_coefficient: 0.5,
      config: { architecture: 'jumprelu', inputDim: 5, hiddenDim: 7 },
      tensors: { W_enc: [5, 7], W_dec: [7, 5], b_enc: [7], b_dec: [5], log_threshold: [7] },
    });
  });
});
