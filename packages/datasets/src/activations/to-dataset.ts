import { checkDataset, type Dataset } from '@saekit/core';
import { DatasetError } from '../errors.js';
import type { OpenActivationFile } from './file.js';
import { RowReader } from './row-reader.js';
import type { ActivationSet } from './source.js';

/** Default cap of {@link activationsToDataset}: a held-out split, not a training set. */
export const DEFAULT_MAX_DATASET_BYTES = 1 << 30;

/**
 * Reads a set, in order, into an in-memory `Dataset` (for evaluation or encoding of a held-out
 * split, which the in-memory code paths take). Refuses, before allocating, a set whose float32 rows
 * exceed `maxBytes`: a training set is streamed, never loaded.
 */
export async function activationsToDataset(
  set: ActivationSet,
  options: { maxBytes?: number; openFile?: OpenActivationFile } = {},
): Promise<Dataset> {
  const max = options.maxBytes ?? DEFAULT_MAX_DATASET_BYTES;
  const bytes = set.rows * set.dim * 4;
  if (bytes > max)
    throw new DatasetError(
      `${set.name}: ${set.rows} rows of ${set.dim} take ${bytes} bytes as float32, over the limit of ${max} for loading into memory; stream it instead`,
    );
  const x = new Float32Array(set.rows * set.dim);
  const reader = new RowReader({ openFile: options.openFile });
  try {
    let row = 0;
    for (const s of set.segments) {
      await reader.read(set.shards[s.shard], s.start, s.end - s.start, x, row);
      row += s.end - s.start;
    }
  } finally {
    await reader.close();
  }
  return checkDataset({ name: set.name, x, n: set.rows, dim: set.dim });
}
