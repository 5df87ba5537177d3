import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Dataset } from '@saekit/core';
import { dataForTests } from '@saekit/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, loadIdxDir, loadMnist } from '../src/index.js';
import { makeIdx, mnistFixture, pattern } from './helpers/fixtures.js';

const mnistDir = dataForTests('mnist', ['datasets: loads the real MNIST']);
const fashionDir = dataForTests('fashion-mnist', ['datasets: loads the real Fashion-MNIST']);
/** Nothing may be downloaded in these tests: any attempt fails against this address. */
const noMirror = ['http://127.0.0.1:9/'];

const fixture = mnistFixture(5, 3, 0);
let root: string;
let n = 0;

async function fixtureDir(files: Record<string, Uint8Array>): Promise<string> {
  const dir = join(root, `dir-${n++}`);
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
  return dir;
}

function classCounts(d: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const l of d.labels!) counts[l]++;
  return counts;
}

function range(x: Float32Array): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'saekit-local-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadMnist from a directory', () => {
  it('reports a missing directory with the expected files', async () => {
    const dir = join(root, 'does-not-exist');
    const err = await loadMnist({ name: 'mnist', dir, mirrors: noMirror }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toMatch(
      /saekit-local-\w+\/does-not-exist: mnist directory does not exist; expected it to hold train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz/,
    );
  });

  it('reports every missing file, without downloading', async () => {
    const { 't10k-labels-idx1-ubyte.gz': _, 'train-images-idx3-ubyte.gz': __, ...three } = fixture.gz;
    const dir = await fixtureDir(three);
    await expect(
      loadMnist({ name: 'mnist', dir, mirrors: noMirror, checksums: fixture.sha256 }),
    ).rejects.toThrow(
      /dir-\d+: missing train-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz for mnist; expected train-images-idx3-ubyte\.gz, .*\(each may also be uncompressed, without \.gz\)$/,
    );
  });

  it('reads gzipped and uncompressed files, checking known .gz checksums', async () => {
    const dir = await fixtureDir({
      'train-images-idx3-ubyte': fixture.raw['train-images-idx3-ubyte'],
      'train-labels-idx1-ubyte.gz': fixture.gz['train-labels-idx1-ubyte.gz'],
      't10k-images-idx3-ubyte.gz': fixture.gz['t10k-images-idx3-ubyte.gz'],
      't10k-labels-idx1-ubyte': fixture.raw['t10k-labels-idx1-ubyte'],
    });
    const { train, test } = await loadMnist({
      name: 'fashion-mnist',
      dir,
      mirrors: noMirror,
      checksums: fixture.sha256,
    });
    expect(train.name).toBe('fashion-mnist/train');
    expect([train.n, test.n, train.dim]).toEqual([5, 3, 784]);
    expect(test.labels).toEqual(fixture.testLabels);
    expect(train.x[783]).toBe(Math.fround(fixture.trainPixels[783] / 255));
  });

  it('rejects a .gz whose checksum is wrong, naming path and both hashes', async () => {
    const dir = await fixtureDir(fixture.gz);
    const wrong = { ...fixture.sha256, 't10k-images-idx3-ubyte.gz': 'ab'.repeat(32) };
    await expect(loadMnist({ name: 'mnist', dir, mirrors: noMirror, checksums: wrong })).rejects.toThrow(
      new RegExp(
        `dir-\\d+/t10k-images-idx3-ubyte\\.gz: sha256 mismatch: expected ${'ab'.repeat(32)}, got ${fixture.sha256['t10k-images-idx3-ubyte.gz']}; .*not the original mnist file`,
      ),
    );
  });

  it('names the file when one is not valid IDX', async () => {
    const dir = await fixtureDir({
      ...fixture.raw,
      'train-labels-idx1-ubyte': Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 9, 1),
    });
    await expect(loadMnist({ name: 'mnist', dir, mirrors: noMirror })).rejects.toThrow(
      /dir-\d+\/train-labels-idx1-ubyte: truncated: header says 9 = 9 bytes of data, file has 1\b/,
    );
  });

  it('rejects labels that do not match the images', async () => {
    const dir = await fixtureDir({
      ...fixture.raw,
      't10k-labels-idx1-ubyte': makeIdx([4], Uint8Array.of(1, 2, 3, 4)),
    });
    await expect(loadMnist({ name: 'mnist', dir, mirrors: noMirror })).rejects.toThrow(
      /t10k-labels-idx1-ubyte: 4 labels, but .*t10k-images-idx3-ubyte has 3 images/,
    );
  });

  it.skipIf(!mnistDir)('loads the real MNIST', async () => {
    const { train, test } = await loadMnist({ name: 'mnist', dir: mnistDir, mirrors: noMirror });
    expect([train.n, test.n, train.dim, test.dim]).toEqual([60000, 10000, 784, 784]);
    expect([train.name, test.name]).toEqual(['mnist/train', 'mnist/test']);
    expect(train.imageShape).toEqual([28, 28]);
    expect(train.x.length).toBe(60000 * 784);
    expect(classCounts(train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(classCounts(test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    expect(range(train.x)).toEqual([0, 1]);
    expect(range(test.x)).toEqual([0, 1]);
  });

  it.skipIf(!fashionDir)('loads the real Fashion-MNIST', async () => {
    const { train, test } = await loadMnist({ name: 'fashion-mnist', dir: fashionDir, mirrors: noMirror });
    expect([train.n, test.n, train.dim, test.dim]).toEqual([60000, 10000, 784, 784]);
    expect(train.name).toBe('fashion-mnist/train');
    expect(test.imageShape).toEqual([28, 28]);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    expect(range(train.x)).toEqual([0, 1]);
    expect(range(test.x)).toEqual([0, 1]);
  });
});

describe('loadIdxDir', () => {
  const rows = 5;
  const cols = 7;
  const trainPx = pattern(4 * rows * cols, 11);
  const testPx = pattern(2 * rows * cols, 12);
  const files = {
    'train-images.idx3-ubyte.gz': gzipSync(makeIdx([4, rows, cols], trainPx)),
    'train-labels.idx1-ubyte': makeIdx([4], Uint8Array.of(0, 1, 2, 200)),
    'test-images.idx3-ubyte': makeIdx([2, rows, cols], testPx),
    'test-labels.idx1-ubyte.gz': gzipSync(makeIdx([2], Uint8Array.of(7, 8))),
    'README.md': new TextEncoder().encode('not data'),
  };

  it('loads any image size, gz or raw, test- or t10k- names', async () => {
    const dir = await fixtureDir(files);
    const { train, test } = await loadIdxDir(dir);
    expect(train.name).toMatch(/^dir-\d+\/train$/);
    expect([train.n, train.dim, test.n, test.dim]).toEqual([4, 35, 2, 35]);
    expect(train.imageShape).toEqual([5, 7]);
    expect(Array.from(train.labels!)).toEqual([0, 1, 2, 200]);
    expect(Array.from(test.labels!)).toEqual([7, 8]);
    expect(test.x[34]).toBe(Math.fround(testPx[34] / 255));

    const t10k = await fixtureDir({
      ...fixture.raw,
      SHA256SUMS: new Uint8Array(1),
    });
    const mnistLike = await loadIdxDir(t10k, { name: 'mine' });
    expect(mnistLike.test.name).toBe('mine/test');
    expect(mnistLike.test.labels).toEqual(fixture.testLabels);
  });

  it('accepts 2-D [n, dim] examples without an imageShape', async () => {
    const dir = await fixtureDir({
      'train-images': makeIdx([3, 6], pattern(18)),
      'train-labels': makeIdx([3], Uint8Array.of(1, 2, 3)),
      't10k-images': makeIdx([1, 6], pattern(6)),
      't10k-labels': makeIdx([1], Uint8Array.of(4)),
    });
    const { train } = await loadIdxDir(dir);
    expect([train.n, train.dim, train.imageShape]).toEqual([3, 6, undefined]);
  });

  it('prefers the uncompressed file when both X and X.gz exist', async () => {
    const dir = await fixtureDir({
      ...files,
      'train-labels.idx1-ubyte.gz': gzipSync(makeIdx([4], Uint8Array.of(9, 9, 9, 9))),
    });
    const { train } = await loadIdxDir(dir);
    expect(Array.from(train.labels!)).toEqual([0, 1, 2, 200]);
  });

  it('reports a missing directory', async () => {
    await expect(loadIdxDir(join(root, 'nothing-here'))).rejects.toThrow(
      /nothing-here: directory does not exist .*expected it to hold IDX files \(gz or raw\) named train-images\*, train-labels\*, t10k-images\* or test-images\*/,
    );
  });

  it('reports missing and ambiguous files', async () => {
    const { 'test-labels.idx1-ubyte.gz': _, ...noTestLabels } = files;
    await expect(loadIdxDir(await fixtureDir(noTestLabels))).rejects.toThrow(
      /dir-\d+: missing t10k-labels\* or test-labels\*; expected IDX files/,
    );
    const twice = await fixtureDir({ ...files, 't10k-images-idx3-ubyte': makeIdx([2, rows, cols], testPx) });
    await expect(loadIdxDir(twice)).rejects.toThrow(
      /dir-\d+: ambiguous t10k-images\* or test-images\*: t10k-images-idx3-ubyte, test-images\.idx3-ubyte; keep only one/,
    );
  });

  it('rejects train and test of different shapes', async () => {
    const dir = await fixtureDir({ ...files, 'test-images.idx3-ubyte': makeIdx([2, cols, rows], testPx) });
    await expect(loadIdxDir(dir)).rejects.toThrow(
      /test-images\.idx3-ubyte: test examples are 7x5, but .*train-images\.idx3-ubyte\.gz has 5x7/,
    );
  });

  it('rejects images that are not 2-D or 3-D', async () => {
    const dir = await fixtureDir({
      ...files,
      'train-images.idx3-ubyte.gz': makeIdx([4 * rows * cols], trainPx),
    });
    await expect(loadIdxDir(dir)).rejects.toThrow(
      /train-images\.idx3-ubyte\.gz: expected images of shape \[n, rows, cols\] \(or \[n, dim\]\), got 1-D 140/,
    );
  });
});
