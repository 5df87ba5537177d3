import { cp, mkdtemp, open, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxSaeModel } from '@saekit/backend-onnx';
import { loadBackend } from '@saekit/backends';
import {
  type AnySaeConfig,
  encodeSafetensors,
  evaluate,
  initParams,
  Rng,
  type SaeMetrics,
} from '@saekit/core';
import { saveCheckpoint } from '@saekit/core/node';
import {
  activationsToDataset,
  inspectShard,
  openActivations,
  splitActivations,
  writeSyntheticActivations,
} from '@saekit/datasets';
import { beforeAll, describe, expect, it } from 'vitest';
import { evaluateActivations } from '../src/activation-data.js';
import { saekit } from './run.js';

// eval and encode read activation sets in chunks: the same numbers as the in-memory paths on the
// same rows, and a bad shard met mid-stream is an error naming it, with no output left behind.

let base = '';
let acts = '';
let model = '';
let onnx = '';
const CONFIG: AnySaeConfig = {
  inputDim: 16,
  hiddenDim: 24,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 0.01 },
};
const params = initParams(CONFIG, new Rng(5));

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'saekit-stream-'));
  acts = join(base, 'acts');
  // 2500 rows in shards of 700: more than one eval batch (1000) and encode chunk (1024), split across shards.
  await writeSyntheticActivations({
    dir: acts,
    rows: 2500,
    dim: 16,
    features: 40,
    activePerRow: 3,
    dtype: 'f16',
    shardRows: 700,
    seed: 2,
  });
  model = join(base, 'model');
  await saveCheckpoint(model, CONFIG, params);
  onnx = join(base, 'enc.onnx');
  const r = saekit('export', '--model', model, '--onnx', onnx, '--part', 'encoder');
  expect(r.code, r.stderr).toBe(0);
});

function expectClose(got: Record<string, unknown>, want: SaeMetrics): void {
  const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
  for (const k of ['mse', 'penalty', 'total', 'l0', 'fvu', 'deadUnits'] as const)
    expect(rel(got[k] as number, want[k]), k).toBeLessThan(1e-12);
  const sb = got.saebench as Record<string, unknown>;
  expect(sb.n).toBe(want.saebench.n);
  for (const k of ['explained_variance', 'explained_variance_legacy', 'cossim', 'l0', 'l1'] as const)
    expect(rel(sb[k] as number, want.saebench[k]), k).toBeLessThan(1e-12);
}

describe('saekit eval --dataset ACTIVATIONS (streamed)', () => {
  it('gives the metrics of evaluate on the same rows in memory: the test split and the whole set', async () => {
    const backend = await loadBackend('cpu');
    const set = await openActivations(acts);
    const cases: [string[], typeof set][] = [
      [['--eval-fraction', '0.3'], splitActivations(set, 0.3).eval],
      [['--eval-fraction', '0.3', '--split', 'train'], splitActivations(set, 0.3).train],
      [[], set],
    ];
    for (const [flags, rows] of cases) {
      const r = saekit('eval', '--model', model, '--dataset', acts, ...flags, '--json', '-');
      expect(r.code, r.stderr).toBe(0);
      const want = await evaluate(backend, CONFIG, params, await activationsToDataset(rows));
      expectClose(JSON.parse(r.stdout), want);
    }
  });

  it('--limit evaluates the first rows only; --tensor on other data is a usage error', () => {
    const r = saekit('eval', '--model', model, '--dataset', acts, '--limit', '300', '--json', '-');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).saebench.n).toBe(300);
    const u = saekit('eval', '--model', model, '--tensor', 'x');
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/--tensor applies only to an activation dataset, not synthetic/);
  });
});

describe('saekit train --dataset ACTIVATIONS: the held-out evaluation at the end', () => {
  it('covers every held-out row, streamed (more than the epochs evaluate), or the first --eval-max-rows', async () => {
    const wide = join(base, 'held-out');
    await writeSyntheticActivations({
      dir: wide,
      rows: 5000,
      dim: 16,
      features: 40,
      activePerRow: 3,
      dtype: 'f32',
      shardRows: 1200,
      seed: 4,
    });
    const common = ['--hidden', '24', '--max-steps', '3', '--no-report', '--quiet'];
    for (const [flags, n] of [
      [[], 4500],
      [['--eval-max-rows', '100'], 100],
    ] as const) {
      const out = join(base, `run-${n}`);
      const r = saekit(
        'train',
        '--dataset',
        wide,
        '--eval-fraction',
        '0.9',
        ...common,
        ...flags,
        '--out',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      const test = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8')).test;
      expect(test.saebench.n).toBe(n);
      if (n !== 4500) continue;
      // Not normalised: saekit eval of the saved model on the same rows gives the same numbers.
      const e = saekit('eval', '--model', out, '--dataset', wide, '--eval-fraction', '0.9', '--json', '-');
      expect(e.code, e.stderr).toBe(0);
      const got = JSON.parse(e.stdout);
      for (const k of ['mse', 'l0', 'fvu', 'total']) expect(got[k], k).toBeCloseTo(test[k], 12);
    }
  });
});

describe('saekit encode --input ACTIVATIONS (streamed)', () => {
  it('writes the bytes the whole-array writer gives for the latents of every row', async () => {
    const out = join(base, 'lat.safetensors');
    const r = saekit('encode', '--onnx', onnx, '--input', acts, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/encoded 2500 examples .* latents \[2500, 24\]/);
    const x = await activationsToDataset(await openActivations(acts));
    const m = await OnnxSaeModel.load(onnx);
    try {
      const latents = await m.encode(x.x, x.n);
      const want = encodeSafetensors(
        { latents: { shape: [2500, 24], data: latents } },
        { source: acts, model: onnx },
      );
      expect(Buffer.compare(await readFile(out), want)).toBe(0);
    } finally {
      m.dispose();
    }
  });
});

describe('a bad shard met mid-stream', () => {
  it('NaN in the third shard: eval and encode name the file and row; no output file is left', async () => {
    const bad = join(base, 'nan');
    await cp(acts, bad, { recursive: true });
    const shard = join(bad, (await readdir(bad)).sort()[2]);
    const info = await inspectShard(shard);
    // f16 NaN (0x7e00) in row 123, column 5 of that shard: the first two shards read fine first.
    const fh = await open(shard, 'r+');
    await fh.write(Uint8Array.of(0x00, 0x7e), 0, 2, info.dataOffset + (123 * 16 + 5) * 2);
    await fh.close();
    const e = saekit('eval', '--model', model, '--dataset', bad);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toContain(`${shard}: row 123 (0-based), column 5 is NaN`);
    const outDir = join(base, 'out-nan');
    const out = join(outDir, 'lat.safetensors');
    const en = saekit('encode', '--onnx', onnx, '--input', bad, '--out', out);
    expect(en.code).not.toBe(0);
    expect(en.stderr).toContain(`${shard}: row 123 (0-based), column 5 is NaN`);
    expect(await readdir(outDir)).toEqual([]); // neither the file nor its temporary part
  });

  it('a truncated shard is refused naming it, and an existing output is left as it was', async () => {
    const cut = join(base, 'cut');
    await cp(acts, cut, { recursive: true });
    const shard = join(cut, (await readdir(cut)).sort()[1]);
    await truncate(shard, 5000);
    const out = join(base, 'keep.safetensors');
    await writeFile(out, 'old');
    const en = saekit('encode', '--onnx', onnx, '--input', cut, '--out', out);
    expect(en.code).not.toBe(0);
    expect(en.stderr).toContain(shard);
    expect(en.stderr).toMatch(/truncated|size|bytes/);
    expect(await readFile(out, 'utf8')).toBe('old');
    expect((await readdir(base)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('a shard cut short after it was opened: the read that meets the end names the file', async () => {
    const cut = join(base, 'cut-later');
    await cp(acts, cut, { recursive: true });
    const set = await openActivations(cut);
    const shard = join(cut, (await readdir(cut)).sort()[2]);
    await truncate(shard, 4000);
    const backend = await loadBackend('cpu');
    await expect(evaluateActivations(backend, CONFIG, params, set)).rejects.toThrow(
      `${shard}: truncated: ended at byte 4000`,
    );
  });
});
