import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPng, saekit } from './run.js';

const FIGURES = [
  'reconstructions.png',
  'latent-scatter.png',
  'mean-activation.png',
  'feature-density.png',
  'feature-recovery.png',
  'loss.png',
];
let run: string;

beforeAll(async () => {
  run = join(await mkdtemp(join(tmpdir(), 'saekit-report-')), 'run');
  const r = saekit('train', '--limit', '2000', '--epochs', '2', '--hidden', '32', '--quiet', '--out', run);
  expect(r.code, r.stderr).toBe(0);
});

describe('figures of a synthetic run (the main job)', () => {
  it('every figure exists, decodes, has a sane size and is not blank; index.html links them', async () => {
    for (const f of FIGURES) {
      const { width, height, colours } = await checkPng(join(run, f));
      expect(width, f).toBeGreaterThan(300);
      expect(height, f).toBeGreaterThan(200);
      expect(colours, f).toBeGreaterThanOrEqual(20);
    }
    const html = await readFile(join(run, 'index.html'), 'utf8');
    for (const f of FIGURES) expect(html).toContain(`src="${f}"`);
    expect(html).toContain('mmcs');
  });

  it('saekit report reading the run back draws the bytes train drew from memory', async () => {
    const copy = join(await mkdtemp(join(tmpdir(), 'saekit-report-')), 'copy');
    await cp(run, copy, { recursive: true });
    for (const f of [...FIGURES, 'index.html']) await rm(join(copy, f));
    const r = saekit('report', copy);
    expect(r.code, r.stderr).toBe(0);
    for (const f of [...FIGURES, 'index.html']) {
      const drawn = await readFile(join(copy, f));
      expect(drawn.equals(await readFile(join(run, f))), f).toBe(true);
    }
  });

  it('saekit report redraws them, with chosen scatter dims and encoder features', async () => {
    const r = saekit('report', run, '--dims', '0,5', '--encoder-features');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('encoder-features.png');
    expect((await checkPng(join(run, 'encoder-features.png'))).colours).toBeGreaterThanOrEqual(20);
    expect(saekit('report', run, '--dims', '0,999').stderr).toMatch(
      /--dims 0,999: the model has 32 hidden units/,
    );
  });

  it('missing or corrupt metrics give a clear error naming what is missing', async () => {
    const broken = join(await mkdtemp(join(tmpdir(), 'saekit-report-')), 'broken');
    await cp(run, broken, { recursive: true });
    await rm(join(broken, 'metrics.json'));
    let r = saekit('report', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/metrics\.json: not found/);
    await writeFile(join(broken, 'metrics.json'), '{"trainLossPerEpoch": [1, 2], "test": {"mse": 0.1}}');
    r = saekit('report', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /metrics\.json: missing or malformed "test\.meanActivation" \(an array of numbers\), "test\.total" \(a number\)/,
    );
    await writeFile(join(broken, 'metrics.json'), '{ not json');
    expect(saekit('report', broken).stderr).toMatch(/metrics\.json: not valid JSON/);
    await rm(join(broken, 'cfg.json'));
    expect(saekit('report', broken).stderr).toMatch(/cfg\.json: not found/);
  });
});
