import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetSplits } from '@saekit/core';
import { defaultCacheDir } from './cache.js';
import { FASHION_MNIST_SHA256, MNIST_FILES, MNIST_SHA256 } from './checksums.js';
import { type DownloadProgress, downloadFile, sha256Hex } from './download.js';
import { DatasetError, describeError } from './errors.js';
import { readIdxBytes } from './idx.js';
import { idxToSplits, type SourcedIdx } from './splits.js';

export type MnistName = 'mnist' | 'fashion-mnist';

export interface LoadMnistOptions {
  name: MnistName;
  /**
   * A directory holding the four files (each `X.gz` or uncompressed `X`). When given, nothing is
   * downloaded unless `download: true`, in which case missing files are downloaded into it.
   */
  dir?: string;
  /**
   * Root of the download cache; files go to `<cacheDir>/<name>/`. Default `$SAEKIT_CACHE_DIR`, else
   * `~/.cache/saekit`. Ignored when `dir` is given.
   */
  cacheDir?: string;
  /** Download missing (or corrupt) files. Default: true without `dir`, false with it. */
  download?: boolean;
  /** Base URLs tried in turn for each file. Default: DEFAULT_MIRRORS[name]. */
  mirrors?: string[];
  onProgress?: (e: DownloadProgress) => void;
  /**
   * Expected SHA-256 per .gz file name, merged over the built-in table. For tests and for private
   * mirrors of modified files; leave unset for the real datasets.
   */
  checksums?: Record<string, string>;
}

/** Public mirrors of the original files, tried in order. */
export const DEFAULT_MIRRORS: Readonly<Record<MnistName, readonly string[]>> = {
  mnist: [
    'https://ossci-datasets.s3.amazonaws.com/mnist/',
    'https://storage.googleapis.com/cvdf-datasets/mnist/',
  ],
  'fashion-mnist': [
    'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    'https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/',
  ],
};

const KNOWN_SHA256: Readonly<Record<MnistName, Readonly<Record<string, string>>>> = {
  mnist: MNIST_SHA256,
  'fashion-mnist': FASHION_MNIST_SHA256,
};

const EXPECTED = `${MNIST_FILES.map((f) => `${f}.gz`).join(', ')} (each may also be uncompressed, without .gz)`;

interface Found {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * MNIST or Fashion-MNIST as float32 images in [0, 1] (byte / 255), 784 features, imageShape
 * [28, 28], labels 0-9; splits named `<name>/train` (60000) and `<name>/test` (10000).
 *
 * With `dir`, the files are read from it. Without, they are read from `<cacheDir>/<name>/`, and the
 * missing ones are downloaded from `mirrors`. Every known `.gz` file is checked against its SHA-256;
 * a cached file that fails is downloaded again; a file in `dir` that fails is an error, unless
 * `download: true` was given with `dir`, which then acts as the cache (the file is replaced).
 * @throws DatasetError naming the file or directory and what is wrong
 */
export async function loadMnist(options: LoadMnistOptions): Promise<DatasetSplits> {
  const { name } = options;
  if (name !== 'mnist' && name !== 'fashion-mnist') {
    throw new RangeError(`loadMnist: name must be 'mnist' or 'fashion-mnist', got ${JSON.stringify(name)}`);
  }
  const fromCache = options.dir === undefined;
  const dir = options.dir ?? join(options.cacheDir ?? defaultCacheDir(), name);
  const download = options.download ?? fromCache;
  const checksums: Record<string, string> = { ...KNOWN_SHA256[name], ...options.checksums };
  const mirrors = options.mirrors ?? DEFAULT_MIRRORS[name];
  const hint = fromCache ? '; download is disabled, so pass download: true or a dir that holds them' : '';

  if (!download && !(await isDirectory(dir))) {
    throw new DatasetError(
      `${dir}: ${name} directory does not exist; expected it to hold ${EXPECTED}${hint}`,
    );
  }
  const found = new Map<string, Found>();
  const missing: string[] = [];
  for (const base of MNIST_FILES) {
    const f = await findLocal(dir, base, checksums, download, name);
    if (f) found.set(base, f);
    else missing.push(base);
  }
  if (missing.length > 0 && !download) {
    throw new DatasetError(
      `${dir}: missing ${missing.map((m) => `${m}.gz`).join(', ')} for ${name}; expected ${EXPECTED}${hint}`,
    );
  }
  for (const base of missing) {
    const file = `${base}.gz`;
    const path = await downloadFile({
      file,
      destDir: dir,
      mirrors,
      sha256: checksums[file],
      onProgress: options.onProgress,
    });
    found.set(base, { path, bytes: await readFile(path) });
  }
  const parse = async (base: string): Promise<SourcedIdx> => {
    const f = found.get(base)!;
    return { source: f.path, array: await readIdxBytes(f.bytes, f.path) };
  };
  return idxToSplits(name, {
    trainImages: await parse(MNIST_FILES[0]),
    trainLabels: await parse(MNIST_FILES[1]),
    testImages: await parse(MNIST_FILES[2]),
    testLabels: await parse(MNIST_FILES[3]),
  });
}

/**
 * `dir/base.gz` if present and its checksum (when known) matches, else `dir/base` if present.
 * A .gz with a wrong checksum is treated as missing when `download` (to be fetched again), else
 * is an error.
 */
async function findLocal(
  dir: string,
  base: string,
  checksums: Record<string, string>,
  download: boolean,
  name: string,
): Promise<Found | undefined> {
  const gzPath = join(dir, `${base}.gz`);
  const gz = await readIfExists(gzPath);
  if (gz) {
    const expected = checksums[`${base}.gz`];
    if (expected === undefined) return { path: gzPath, bytes: gz };
    const actual = sha256Hex(gz);
    if (actual === expected.toLowerCase()) return { path: gzPath, bytes: gz };
    if (download) return undefined;
    throw new DatasetError(
      `${gzPath}: sha256 mismatch: expected ${expected}, got ${actual}; the file is corrupt or not the original ${name} file`,
    );
  }
  const rawPath = join(dir, base);
  const raw = await readIfExists(rawPath);
  return raw ? { path: rawPath, bytes: raw } : undefined;
}

async function readIfExists(path: string): Promise<Uint8Array | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DatasetError(`${path}: cannot read file (${describeError(err)})`, { cause: err });
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
