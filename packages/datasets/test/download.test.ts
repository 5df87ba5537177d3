import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DatasetError, type DownloadProgress, defaultCacheDir, loadMnist } from '../src/index.js';
import { mnistFixture } from './helpers/fixtures.js';

const good = mnistFixture(5, 3, 0);
const other = mnistFixture(5, 3, 1); // same shapes, different bytes: a wrong checksum
const FILES = Object.keys(good.gz);

/** Serves good files under /good/, wrong ones under /other/, 302s from /redirect/ to /good/, 404 elsewhere. */
const hits = new Map<string, number>();
let server: Server;
let base: string;
let root: string;
let cacheDir: string;
let caseNo = 0;

const hitsUnder = (prefix: string): number =>
  [...hits].filter(([path]) => path.startsWith(prefix)).reduce((s, [, n]) => s + n, 0);

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const [, dir, file] = path.split('/');
    if (dir === 'redirect') {
      res.writeHead(302, { location: `/good/${file}` });
      res.end();
      return;
    }
    const body = dir === 'good' ? good.gz[file] : dir === 'other' ? other.gz[file] : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  root = await mkdtemp(join(tmpdir(), 'saekit-dl-'));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(root, { recursive: true, force: true });
});

beforeEach(() => {
  hits.clear();
  cacheDir = join(root, `case-${caseNo++}`);
});

function expectFixture(splits: Awaited<ReturnType<typeof loadMnist>>): void {
  const { train, test } = splits;
  expect(train.name).toBe('mnist/train');
  expect(test.name).toBe('mnist/test');
  expect([train.n, train.dim, test.n, test.dim]).toEqual([5, 784, 3, 784]);
  expect(train.imageShape).toEqual([28, 28]);
  expect(train.labels).toEqual(good.trainLabels);
  expect(test.labels).toEqual(good.testLabels);
  expect(train.x[100]).toBe(Math.fround(good.trainPixels[100] / 255));
  expect(Array.from(test.x.subarray(0, 50))).toEqual(
    Array.from(good.testPixels.subarray(0, 50), (b) => Math.fround(b / 255)),
  );
}

describe('loadMnist download', () => {
  it('downloads into the cache, verifies, then loads from the cache without the network', async () => {
    const progress: DownloadProgress[] = [];
    const options = {
      name: 'mnist' as const,
      cacheDir,
      mirrors: [`${base}/good/`],
      checksums: good.sha256,
      onProgress: (e: DownloadProgress) => progress.push(e),
    };
    expectFixture(await loadMnist(options));
    expect(hitsUnder('/good/')).toBe(4);
    expect((await readdir(join(cacheDir, 'mnist'))).sort()).toEqual([...FILES].sort());
    for (const f of FILES)
      expect(await readFile(join(cacheDir, 'mnist', f))).toEqual(Buffer.from(good.gz[f]));
    const last = progress.filter((p) => p.file === 'train-images-idx3-ubyte.gz').at(-1);
    expect(last).toEqual({
      file: 'train-images-idx3-ubyte.gz',
      bytes: good.gz['train-images-idx3-ubyte.gz'].length,
      total: good.gz['train-images-idx3-ubyte.gz'].length,
    });

    expectFixture(await loadMnist(options));
    expect(hitsUnder('/good/')).toBe(4);
  });

  it('accepts a mirror without a trailing slash and follows redirects', async () => {
    expectFixture(
      await loadMnist({ name: 'mnist', cacheDir, mirrors: [`${base}/redirect`], checksums: good.sha256 }),
    );
    expect(hitsUnder('/redirect/')).toBe(4);
    expect(hitsUnder('/good/')).toBe(4);
  });

  it('falls back to the next mirror when one returns 404', async () => {
    const splits = await loadMnist({
      name: 'mnist',
      cacheDir,
      mirrors: [`${base}/missing/`, `${base}/good/`],
      checksums: good.sha256,
    });
    expectFixture(splits);
    expect(hitsUnder('/missing/')).toBe(4);
    expect(hitsUnder('/good/')).toBe(4);
  });

  it('rejects a wrong checksum, naming file and both hashes, and leaves no temp file', async () => {
    const file = 'train-images-idx3-ubyte.gz';
    const err = await loadMnist({
      name: 'mnist',
      cacheDir,
      mirrors: [`${base}/other/`],
      checksums: good.sha256,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    const message = (err as Error).message;
    expect(message).toMatch(/^train-images-idx3-ubyte\.gz: download failed from every mirror:/);
    expect(message).toContain(
      `${base}/other/${file}: sha256 mismatch: expected ${good.sha256[file]}, got ${other.sha256[file]}`,
    );
    expect(await readdir(join(cacheDir, 'mnist'))).toEqual([]);
  });

  it("lists every mirror's failure when all fail", async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const err = await loadMnist({
      name: 'mnist',
      cacheDir,
      mirrors: [`${base}/missing/`, deadUrl, `${base}/other/`, 'ftp://example.invalid/'],
      checksums: good.sha256,
    }).catch((e: unknown) => e);
    const lines = (err as Error).message.split('\n');
    expect(lines[0]).toBe('train-images-idx3-ubyte.gz: download failed from every mirror:');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toMatch(
      /^ {2}- http:\/\/127\.0\.0\.1:\d+\/missing\/train-images-idx3-ubyte\.gz: HTTP 404 Not Found$/,
    );
    expect(lines[2]).toMatch(/^ {2}- http:\/\/127\.0\.0\.1:\d+\/train-images-idx3-ubyte\.gz: .*ECONNREFUSED/);
    expect(lines[3]).toMatch(
      /\/other\/train-images-idx3-ubyte\.gz: sha256 mismatch: expected [0-9a-f]{64}, got [0-9a-f]{64}/,
    );
    expect(lines[4]).toMatch(
      /ftp:\/\/example\.invalid\/train-images-idx3-ubyte\.gz: unsupported protocol ftp:/,
    );
    expect(await readdir(join(cacheDir, 'mnist'))).toEqual([]);
  });

  it('downloads again a cached file whose checksum is wrong', async () => {
    const options = { name: 'mnist' as const, cacheDir, mirrors: [`${base}/good/`], checksums: good.sha256 };
    await loadMnist(options);
    const cached = join(cacheDir, 'mnist', 'train-labels-idx1-ubyte.gz');
    await writeFile(cached, other.gz['train-labels-idx1-ubyte.gz']);
    hits.clear();
    expectFixture(await loadMnist(options));
    expect([...hits]).toEqual([['/good/train-labels-idx1-ubyte.gz', 1]]);
    expect(await readFile(cached)).toEqual(Buffer.from(good.gz['train-labels-idx1-ubyte.gz']));
  });

  it('uses cached files and downloads only the missing ones', async () => {
    const options = { name: 'mnist' as const, cacheDir, mirrors: [`${base}/good/`], checksums: good.sha256 };
    await loadMnist(options);
    await rm(join(cacheDir, 'mnist', 't10k-images-idx3-ubyte.gz'));
    hits.clear();
    expectFixture(await loadMnist(options));
    expect([...hits]).toEqual([['/good/t10k-images-idx3-ubyte.gz', 1]]);
  });

  it('with download: false, reports what is missing from the cache and makes no request', async () => {
    const options = { name: 'mnist' as const, cacheDir, mirrors: [`${base}/good/`], checksums: good.sha256 };
    await expect(loadMnist({ ...options, download: false })).rejects.toThrow(
      /saekit-dl-.*\/mnist: mnist directory does not exist; expected it to hold train-images-idx3-ubyte\.gz, .*download is disabled/,
    );
    await loadMnist(options);
    await rm(join(cacheDir, 'mnist', 'train-labels-idx1-ubyte.gz'));
    hits.clear();
    await expect(loadMnist({ ...options, download: false })).rejects.toThrow(
      /\/mnist: missing train-labels-idx1-ubyte\.gz for mnist; expected train-images-idx3-ubyte\.gz, /,
    );
    expect(hits.size).toBe(0);
  });

  it('with dir and download: true, downloads the missing files into dir', async () => {
    const dir = join(cacheDir, 'mine');
    expectFixture(
      await loadMnist({
        name: 'mnist',
        dir,
        download: true,
        mirrors: [`${base}/good/`],
        checksums: good.sha256,
      }),
    );
    expect((await readdir(dir)).sort()).toEqual([...FILES].sort());
    expect(hitsUnder('/good/')).toBe(4);
  });

  it('keeps each dataset in its own cache subfolder', async () => {
    await loadMnist({ name: 'fashion-mnist', cacheDir, mirrors: [`${base}/good/`], checksums: good.sha256 });
    expect((await readdir(join(cacheDir, 'fashion-mnist'))).length).toBe(4);
    expect(existsSync(join(cacheDir, 'mnist'))).toBe(false);
  });

  it('checks the built-in checksums when none are overridden', async () => {
    await expect(loadMnist({ name: 'mnist', cacheDir, mirrors: [`${base}/good/`] })).rejects.toThrow(
      /sha256 mismatch: expected 440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609, got /,
    );
  });
});

describe('defaultCacheDir', () => {
  it('uses $SAEKIT_CACHE_DIR, else ~/.cache/saekit', async () => {
    const saved = process.env.SAEKIT_CACHE_DIR;
    try {
      process.env.SAEKIT_CACHE_DIR = cacheDir;
      expect(defaultCacheDir()).toBe(cacheDir);
      await loadMnist({ name: 'mnist', mirrors: [`${base}/good/`], checksums: good.sha256 });
      expect((await readdir(join(cacheDir, 'mnist'))).length).toBe(4);
      delete process.env.SAEKIT_CACHE_DIR;
      expect(defaultCacheDir()).toBe(join(homedir(), '.cache', 'saekit'));
    } finally {
      if (saved === undefined) delete process.env.SAEKIT_CACHE_DIR;
      else process.env.SAEKIT_CACHE_DIR = saved;
    }
  });
});
