import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ActivationStream, openActivations, writeSyntheticActivations } from '../src/index.js';
import { useTempDirs } from './helpers/activations.js';

const tempDir = useTempDirs();
const OPTS = {
  rows: 3000,
  dim: 32,
  features: 64,
  activePerRow: 4,
  correlatedPairs: 8,
  shardRows: 1100,
  seed: 5,
};

describe('writeSyntheticActivations', () => {
  it('writes shards the reader opens, and the unit-norm true features', async () => {
    const dir = await tempDir();
    const out = await writeSyntheticActivations({ dir, ...OPTS, dtype: 'f32' });
    expect(out.shards.map((p) => p.slice(dir.length + 1))).toEqual([
      'shard-00000.npy',
      'shard-00001.npy',
      'shard-00002.npy',
    ]);
    const set = await openActivations(dir); // truth/ is a subdirectory: not a shard
    expect([set.rows, set.dim, set.shards.map((s) => s.rows)]).toEqual([3000, 32, [1100, 1100, 800]]);
    const truth = await openActivations(out.featuresPath);
    expect([truth.rows, truth.dim]).toEqual([64, 32]);
    const stream = new ActivationStream(truth, { shuffle: false });
    const f = new Float32Array(64 * 32);
    expect(await stream.nextBatch(f)).toBe(64);
    await stream.close();
    for (let i = 0; i < 64; i++) {
      let n = 0;
      for (let d = 0; d < 32; d++) n += f[i * 32 + d] ** 2;
      expect(Math.sqrt(n)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic, and float16 shards hold the float32 ones rounded', async () => {
    const [a, b, c] = [await tempDir(), await tempDir(), await tempDir()];
    await writeSyntheticActivations({ dir: a, ...OPTS, dtype: 'f32' });
    await writeSyntheticActivations({ dir: b, ...OPTS, dtype: 'f32' });
    await writeSyntheticActivations({ dir: c, ...OPTS, dtype: 'f16' });
    const bytes = (d: string) => readFile(join(d, 'shard-00001.npy'));
    expect((await bytes(a)).equals(await bytes(b))).toBe(true);
    const read = async (d: string) => {
      const s = new ActivationStream(await openActivations(d), { shuffle: false });
      const x = new Float32Array(3000 * 32);
      expect(await s.nextBatch(x)).toBe(3000);
      await s.close();
      return x;
    };
    const [x32, x16] = [await read(a), await read(c)];
    let worst = 0;
    for (let i = 0; i < x32.length; i++)
      worst = Math.max(worst, Math.abs(x32[i] - x16[i]) / Math.max(Math.abs(x32[i]), 2 ** -14));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThanOrEqual(2 ** -11);
  });

  it('power-law frequencies, sparse codes, and pairs that fire together', async () => {
    const out = await writeSyntheticActivations({
      dir: await tempDir(),
      ...OPTS,
      rows: 20000,
      shardRows: 20000,
    });
    const c = out.featureCounts;
    const l0 = c.reduce((s, v) => s + v, 0) / 20000;
    expect(l0).toBeGreaterThan(3); // 4 draws, repeats dropped, partners added
    expect(l0).toBeLessThan(6);
    const head = c[0] + c[1] + c[2] + c[3];
    const tail = c[60] + c[61] + c[62] + c[63];
    expect(head).toBeGreaterThan(5 * tail);
    // Together far more often than independent features would be.
    for (const [p, [a, b]] of out.pairs.entries()) {
      const independent = (c[a] * c[b]) / 20000;
      expect(out.pairCounts[p]).toBeGreaterThan(3 * independent);
      expect(out.pairCounts[p]).toBeGreaterThan(0.4 * Math.min(c[a], c[b]));
    }
  });
});
