import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkPng, MNIST_DIR, saekit, saekitIn } from './run.js';

const tmp = () => mkdtemp(join(tmpdir(), 'saekit-cli-'));

describe('saekit train', () => {
  it('trains on synthetic data and writes config, weights, run.json and metrics.json', async () => {
    const out = join(await tmp(), 'run');
    const r = saekit(
      'train',
      '--limit',
      '3000',
      '--epochs',
      '2',
      '--hidden',
      '32',
      '--no-report',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/done: test mse [\d.]+ .* mmcs [\d.]+/);
    expect((await readdir(out)).sort()).toEqual([
      'cfg.json',
      'metrics.json',
      'run.json',
      'sae_weights.safetensors',
    ]);
    const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(m.trainLossPerEpoch).toHaveLength(2);
    expect(m.secondsPerEpoch).toHaveLength(2);
    for (const k of ['mse', 'l1', 'total', 'l0', 'fvu', 'deadUnits', 'mmcs'])
      expect(typeof m.test[k], k).toBe('number');
    expect(m.test.meanActivation).toHaveLength(32);
    expect(r.stderr).toMatch(/epoch 2\/2 {2}train loss/); // plain progress lines when not a terminal
  });

  it('a corrupt IDX file is a clear error naming the file (exit 1)', async () => {
    const dir = await tmp();
    const img = Buffer.alloc(16 + 10);
    img.writeUInt32BE(0x803, 0);
    img.writeUInt32BE(5, 4); // header says 5 images of 28x28, the file holds 10 bytes
    img.writeUInt32BE(28, 8);
    img.writeUInt32BE(28, 12);
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(img));
    for (const f of ['train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'])
      await writeFile(join(dir, f), Buffer.alloc(3));
    const r = saekit('train', '--dataset', dir, '--epochs', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^saekit: error: .*train-images-idx3-ubyte\.gz.*(truncated|header)/);
  });

  it('a missing MNIST directory is a clear error', async () => {
    const r = saekit('train', '--dataset', 'mnist', '--data-dir', '/nonexistent/mnist', '--epochs', '1');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\/nonexistent\/mnist/);
  });

  it('a NaN loss stops with the epoch and step, and saves the last good checkpoint', async () => {
    // All-white images: with Glorot init some ReLU unit's batch-mean activation is above 1 from
    // the start, so the seed's KL takes log(1 - rho_hat) < 0 — NaN at step 1, on purpose.
    const dir = await tmp();
    await writeIdxSet(dir, 40, 255);
    const out = join(await tmp(), 'nan');
    const r = saekit(
      'train',
      '--dataset',
      dir,
      '--epochs',
      '2',
      '--batch-size',
      '8',
      '--no-report',
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /training diverged at epoch 1, step 1: loss is NaN .*last good checkpoint saved in/,
    );
    expect(existsSync(join(out, 'sae_weights.safetensors'))).toBe(true);
    const m = JSON.parse(await readFile(join(out, 'metrics.json'), 'utf8'));
    expect(m.diverged).toMatchObject({ epoch: 1, step: 1 });
    expect(m.diverged.loss).toBe('NaN'); // not null, which would not tell NaN from Infinity
    const state = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).state;
    expect(state).toMatchObject({ status: 'diverged', epoch: 1, step: 0 });
    expect(r.stderr).toMatch(/try --kl-clamp/);
    // The same data trains with the capped KL.
    const ok = saekit(
      'train',
      '--dataset',
      dir,
      '--epochs',
      '2',
      '--batch-size',
      '8',
      '--kl-clamp',
      '--no-report',
      '--out',
      join(out, 'clamped'),
    );
    expect(ok.code, ok.stderr).toBe(0);
    const cfg = JSON.parse(await readFile(join(out, 'clamped', 'cfg.json'), 'utf8'));
    expect(cfg.saekit.sparsity).toEqual({ kind: 'kl', rho: 0.05, weight: 0.1, clamp: true });
  });

  it.skipIf(!existsSync(MNIST_DIR))(
    'the seed recipe runs on a slice of MNIST, with the figures',
    async () => {
      const out = join(await tmp(), 'mnist');
      await mkdir(out, { recursive: true });
      const r = saekit(
        'train',
        '--dataset',
        'mnist',
        '--data-dir',
        MNIST_DIR,
        '--limit',
        '2000',
        '--epochs',
        '2',
        '--out',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      const files = await readdir(out);
      expect(files).toContain('index.html');
      for (const f of [
        'reconstructions.png',
        'latent-scatter.png',
        'mean-activation.png',
        'features.png',
        'loss.png',
      ]) {
        const png = await checkPng(join(out, f));
        expect(png.width, f).toBeGreaterThan(300);
        expect(png.height, f).toBeGreaterThan(200);
        expect(png.colours, f).toBeGreaterThanOrEqual(20);
      }
      const cfg = JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8'));
      expect(cfg.saekit).toMatchObject({
        inputDim: 784,
        hiddenDim: 64,
        encoder: 'relu',
        decoder: 'sigmoid',
        sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
      });
    },
  );
  it.skipIf(!existsSync(MNIST_DIR))(
    'a run made with a relative --data-dir can be redrawn from any directory',
    async () => {
      const out = join(await tmp(), 'rel');
      const r = saekit(
        'train',
        '--dataset',
        'mnist',
        '--data-dir',
        relative(process.cwd(), MNIST_DIR),
        '--limit',
        '500',
        '--epochs',
        '1',
        '--hidden',
        '16',
        '--no-report',
        '--out',
        out,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).dataDir).toBe(MNIST_DIR);
      const rep = saekitIn(tmpdir(), 'report', out);
      expect(rep.code, rep.stderr).toBe(0);
      expect(rep.stdout).toContain('features.png');
    },
  );
});

/** Four IDX files of n 28x28 images of one grey level, labels 0..9. */
async function writeIdxSet(dir: string, n: number, level: number): Promise<void> {
  const images = Buffer.alloc(16 + n * 784, level);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(28, 8);
  images.writeUInt32BE(28, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) labels[8 + i] = i % 10;
  for (const split of ['train', 't10k']) {
    await writeFile(join(dir, `${split}-images-idx3-ubyte`), images);
    await writeFile(join(dir, `${split}-labels-idx1-ubyte`), labels);
  }
}
