import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { sharedDir } from './root.js';

export type TestDataset = 'mnist' | 'fashion-mnist';

/** The four IDX files a dataset directory holds, each gzipped or raw. */
export const IDX_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

const hasIdxFiles = (dir: string): boolean =>
  IDX_FILES.every((f) => existsSync(join(dir, f)) || existsSync(join(dir, `${f}.gz`)));

/**
 * Where a dataset's files are for tests and the bench, in order: `../shared/data/<name>` beside
 * the repo, `$SAEKIT_DATA_DIR/<name>`, then the download cache `<$SAEKIT_CACHE_DIR or
 * ~/.cache/saekit>/<name>` (the rule of @saekit/datasets, which this package cannot import without
 * a dependency cycle: datasets' own tests use it). `dir` is the first that has all four files.
 */
export function resolveDataDir(
  name: TestDataset,
  env: NodeJS.ProcessEnv = process.env,
  shared: string | undefined = sharedDir(),
): { dir?: string; tried: string[] } {
  const tried: string[] = [];
  if (shared) tried.push(join(shared, 'data', name));
  if (env.SAEKIT_DATA_DIR) tried.push(resolve(env.SAEKIT_DATA_DIR, name));
  tried.push(
    join(env.SAEKIT_CACHE_DIR ? resolve(env.SAEKIT_CACHE_DIR) : join(homedir(), '.cache', 'saekit'), name),
  );
  return { dir: tried.find(hasIdxFiles), tried };
}
