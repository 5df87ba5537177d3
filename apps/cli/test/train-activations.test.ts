import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticActivations } from '@saekit/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { runUntil, saekit } from './run.js';

// Training on activation shards through the command line: streamed data, normalisation folded into
// the saved weights, checkpoints, --resume to the same bits, and the run lock.

let base = '';
let acts = '';
const ARGS = [
  '--encoder',
  'topk',
  '--k',
  '4',
  '--hidden',
  '32',
  '--batch-size',
  '32',
  '--epochs',
  '2',
  '--checkpoint-every',
  '7',
  '--metrics-every',
  '5',
  '--buffer-rows',
  '256',
  '--no-report',
];
const train = (out: string, ...more: string[]) => [
  'train',
  '--dataset',
  acts,
  ...ARGS,
  '--out',
  out,
  ...more,
];
const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
const weights = (dir: string) => readFile(join(dir, 'sae_weights.safetensors'));

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'saekit-acts-'));
  acts = join(base, 'acts');
  await writeSyntheticActivations({
    dir: acts,
    rows: 1500,
    dim: 16,
    features: 48,
    activePerRow: 3,
    dtype: 'f16',
    shardRows: 400,
    seed: 3,
  });
});

describe('saekit train --dataset ACTIVATIONS', () => {
  it('resumes a SIGTERM-stopped and a kill -9ed run to the bits of an uninterrupted one', async () => {
    const full = join(base, 'full');
    const r = saekit(...train(full, '--normalize'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/done: test mse/);
    const m = await json(join(full, 'metrics.json'));
    // 1485 training rows (1% held out), batches of 32: 47 steps an epoch; a record every 5 steps.
    expect(m.steps.map((s: { step: number }) => s.step)).toEqual([
      5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90,
    ]);
    for (const s of m.steps) expect(s.l0).toBeLessThanOrEqual(4);

    const stopped = join(base, 'stopped');
    expect(await runUntil(train(stopped, '--normalize'), 30, 'SIGTERM')).toBe(143);
    const st = (await json(join(stopped, 'run.json'))).state;
    expect(st.status).toBe('interrupted');
    const killed = join(base, 'killed');
    expect(await runUntil(train(killed, '--normalize'), 60, 'SIGKILL')).toBe('SIGKILL');
    const kst = (await json(join(killed, 'run.json'))).state;
    expect(kst.status).toBe('running');
    expect(kst.globalStep).toBeGreaterThanOrEqual(60 - 7); // lost at most one checkpoint interval

    for (const dir of [stopped, killed]) {
      const res = saekit('train', '--resume', dir, '--no-report');
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(/resuming .* at epoch \d, step \d+ in all/);
      expect(Buffer.compare(await weights(dir), await weights(full)), dir).toBe(0);
      expect((await json(join(dir, 'metrics.json'))).steps).toEqual(m.steps);
    }
  });

  it('saves a model that takes raw activations: the same latents, the reconstruction scaled back', async () => {
    const out = join(base, 'norm');
    expect(saekit(...train(out, '--normalize', '--epochs', '1')).code).toBe(0);
    const { normalisation } = await json(join(out, 'run.json'));
    const s = normalisation.scale;
    expect(s).toBeGreaterThan(0);
    const trained = (await json(join(out, 'metrics.json'))).test; // on the scaled held-out rows
    const e = saekit('eval', '--model', out, '--dataset', acts, '--eval-fraction', '0.01', '--json', '-');
    expect(e.code, e.stderr).toBe(0);
    const raw = JSON.parse(e.stdout); // the saved model on the raw held-out rows
    expect(raw.l0).toBe(trained.l0);
    expect(raw.meanActivation).toEqual(trained.meanActivation.map((v: number) => expect.closeTo(v, 5)));
    expect(raw.mse * s * s).toBeCloseTo(trained.mse, 4);
    // encode --input reads the shards too: every row, the latents of the exported encoder.
    const onnx = join(base, 'norm.onnx');
    expect(saekit('export', '--model', out, '--onnx', onnx, '--part', 'encoder').code).toBe(0);
    const lat = join(base, 'latents.safetensors');
    const en = saekit('encode', '--onnx', onnx, '--input', acts, '--out', lat);
    expect(en.code, en.stderr).toBe(0);
    expect(en.stdout).toMatch(/encoded 1500 examples .* latents \[1500, 32\]/);
  });

  it('leaves out outlier rows and says how many', async () => {
    const out = join(base, 'outliers');
    const r = saekit(...train(out, '--exclude-outliers', '1.2', '--epochs', '1'));
    expect(r.code, r.stderr).toBe(0);
    const m = await json(join(out, 'metrics.json'));
    expect(m.test.outliers.excludedTrain).toBeGreaterThan(0);
    expect(r.stdout).toMatch(new RegExp(`outliers left out ${m.test.outliers.excludedTrain}`));
    // The final count is of the whole held-out set: with the rows evaluated, every held-out row.
    const heldOut = 1500 * (await json(join(out, 'run.json'))).activations.evalFraction; // 15 rows
    expect(m.test.outliers.excludedTest + m.test.saebench.n).toBe(heldOut);
  });
});

describe('bad activation input', () => {
  it('a shard of another width is an error naming the file; activation flags on other data are usage errors', async () => {
    const mixed = join(base, 'mixed');
    await writeSyntheticActivations({
      dir: mixed,
      rows: 50,
      dim: 16,
      features: 8,
      activePerRow: 2,
      shardRows: 50,
    });
    await writeSyntheticActivations({
      dir: join(base, 'narrow'),
      rows: 20,
      dim: 8,
      features: 8,
      activePerRow: 2,
    });
    await copyFile(join(base, 'narrow', 'shard-00000.npy'), join(mixed, 'shard-00001.npy'));
    const r = saekit('train', '--dataset', mixed, '--out', join(base, 'never'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /shard-00001\.npy: rows of 8 values, but shard-00000\.npy \(the first shard\) has 16/,
    );
    const u = saekit('train', '--normalize', '--out', join(base, 'never'));
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--normalize applies only to an activation dataset/);
    const l = saekit('train', '--dataset', acts, '--limit', '10', '--out', join(base, 'never'));
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/--limit does not apply to an activation dataset/);
  });
});

describe('the run lock', () => {
  it('a second run on the same --out is refused, naming the pid; a dead pid is taken over', async () => {
    const out = join(base, 'locked');
    const lock = join(base, '.locked.lock');
    const host = (await import('node:os')).hostname();
    await writeFile(lock, JSON.stringify({ pid: process.pid, host, started: 'now' }));
    const r = saekit(...train(out));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`in use by another saekit run \\(pid ${process.pid}, started now`));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    await writeFile(lock, JSON.stringify({ pid: Number(dead.stdout), host, started: 'then' }));
    const t = saekit(...train(out, '--epochs', '1'));
    expect(t.code, t.stderr).toBe(0);
    expect(t.stderr).toMatch(
      new RegExp(`a stale lock of pid ${dead.stdout} \\(no such process any more\\); taking it over`),
    );
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/); // released at the end
  });

  it('--resume takes no settings of its own, and refuses a complete run', async () => {
    const r = saekit('train', '--resume', join(base, 'full'), '--hidden', '8');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--hidden cannot be given with it/);
    const c = saekit('train', '--resume', join(base, 'full'));
    expect(c.code).toBe(1);
    expect(c.stderr).toMatch(/the run is complete; nothing to resume/);
  });
});
