import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { DatasetSplits } from '@saekit/core';
import { DatasetError, describeError } from './errors.js';
import { readIdxFile } from './idx.js';
import { idxToSplits, type SourcedIdx } from './splits.js';

export interface LoadIdxDirOptions {
  /** Dataset name, giving `<name>/train` and `<name>/test`. Default: the directory's base name. */
  name?: string;
}

const ROLES = [
  { key: 'trainImages', pattern: /^train-images/i, expected: 'train-images*' },
  { key: 'trainLabels', pattern: /^train-labels/i, expected: 'train-labels*' },
  { key: 'testImages', pattern: /^(t10k|test)-images/i, expected: 't10k-images* or test-images*' },
  { key: 'testLabels', pattern: /^(t10k|test)-labels/i, expected: 't10k-labels* or test-labels*' },
] as const;

type Role = (typeof ROLES)[number]['key'];

/**
 * Loads your own MNIST-style data: a directory with one file each matching `train-images*`,
 * `train-labels*`, `t10k-images*` (or `test-images*`) and `t10k-labels*` (or `test-labels*`), IDX
 * unsigned-byte files, gzipped or not. Images are [n, rows, cols] (any size; kept as imageShape) or
 * [n, dim]; labels [n]. Pixels become byte / 255. No checksums. When both `X` and `X.gz` exist,
 * the uncompressed `X` is used.
 * @throws DatasetError for a missing directory, a missing or ambiguous file, or a bad IDX file
 */
export async function loadIdxDir(dir: string, options: LoadIdxDirOptions = {}): Promise<DatasetSplits> {
  const entries: string[] = [];
  try {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      if (e.isFile() || (e.isSymbolicLink() && (await isFile(join(dir, e.name))))) entries.push(e.name);
    }
  } catch (err) {
    const what =
      (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'directory does not exist' : 'cannot list directory';
    throw new DatasetError(`${dir}: ${what} (${describeError(err)}); expected it to hold ${expectedList()}`, {
      cause: err,
    });
  }
  const chosen = {} as Record<Role, string>;
  const missing: string[] = [];
  for (const role of ROLES) {
    let matches = entries.filter((e) => role.pattern.test(e)).sort();
    // X and X.gz together: keep the uncompressed X
    matches = matches.filter((m) => !(m.endsWith('.gz') && matches.includes(m.slice(0, -3))));
    if (matches.length === 0) missing.push(role.expected);
    else if (matches.length > 1) {
      throw new DatasetError(`${dir}: ambiguous ${role.expected}: ${matches.join(', ')}; keep only one`);
    } else chosen[role.key] = matches[0];
  }
  if (missing.length > 0) {
    throw new DatasetError(`${dir}: missing ${missing.join(', ')}; expected ${expectedList()}`);
  }
  const read = async (role: Role): Promise<SourcedIdx> => {
    const path = join(dir, chosen[role]);
    return { source: path, array: await readIdxFile(path) };
  };
  return idxToSplits(options.name ?? basename(resolve(dir)), {
    trainImages: await read('trainImages'),
    trainLabels: await read('trainLabels'),
    testImages: await read('testImages'),
    testLabels: await read('testLabels'),
  });
}

function expectedList(): string {
  return `IDX files (gz or raw) named ${ROLES.map((r) => r.expected).join(', ')}`;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
