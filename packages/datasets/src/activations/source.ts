import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DatasetError } from '../errors.js';
import { inspectShard, isShardName, type ShardInfo, type ShardOptions } from './shard.js';

/** A contiguous run of rows of one shard: rows [start, end) of `shards[shard]`. */
export interface RowSegment {
  readonly shard: number;
  readonly start: number;
  readonly end: number;
}

/**
 * Rows of activations on disk: the shards, and which of their rows belong to this set (all of them,
 * or one side of a split). Nothing but headers has been read.
 */
export interface ActivationSet {
  readonly name: string;
  readonly dim: number;
  readonly shards: readonly ShardInfo[];
  /** In order; a row's index in the set is its position across the segments. */
  readonly segments: readonly RowSegment[];
  readonly rows: number;
}

/**
 * Opens a `.npy` or `.safetensors` file, or a directory of them (its `.npy` and `.safetensors`
 * files sorted by name; other files and subdirectories are ignored), checking every header and
 * that all shards have one width.
 */
export async function openActivations(path: string, options: ShardOptions = {}): Promise<ActivationSet> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new DatasetError(`${path}: cannot read: ${(e as Error).message}`, { cause: e });
  }
  const files = isDir ? await shardFiles(path) : [path];
  const shards: ShardInfo[] = [];
  for (const f of files) {
    const info = await inspectShard(f, options);
    const first = shards[0];
    if (first && info.dim !== first.dim)
      throw new DatasetError(
        `${f}: rows of ${info.dim} values, but ${basename(first.path)} (the first shard) has ${first.dim}; all shards of ${path} must have one width`,
      );
    shards.push(info);
  }
  const segments = shards.map((s, i) => ({ shard: i, start: 0, end: s.rows })).filter((s) => s.end > 0);
  const rows = sumRows(segments);
  if (rows === 0) throw new DatasetError(`${path}: no rows of activations`);
  return { name: path, dim: shards[0].dim, shards, segments, rows };
}

async function shardFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  // Code-unit order, not the locale's: the same order on every machine.
  const names = entries
    .filter((e) => e.isFile() && isShardName(e.name))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) throw new DatasetError(`${dir}: no .npy or .safetensors files in the directory`);
  return names.map((n) => join(dir, n));
}

function sumRows(segments: readonly RowSegment[]): number {
  let n = 0;
  for (const s of segments) n += s.end - s.start;
  return n;
}

/** Rows [from, to) of a set, by their index in the set. */
export function sliceActivations(set: ActivationSet, from: number, to: number, name: string): ActivationSet {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > set.rows || from > to)
    throw new RangeError(`sliceActivations: [${from}, ${to}) is not a range of rows in [0, ${set.rows}]`);
  const segments: RowSegment[] = [];
  let at = 0;
  for (const s of set.segments) {
    const len = s.end - s.start;
    const lo = Math.max(from, at);
    const hi = Math.min(to, at + len);
    if (lo < hi) segments.push({ shard: s.shard, start: s.start + lo - at, end: s.start + hi - at });
    at += len;
  }
  return { name, dim: set.dim, shards: set.shards, segments, rows: to - from };
}

/**
 * A held-out split: the last `evalFraction` of the rows (rounded to a whole row, at least one when
 * the fraction is above 0), the same every time; training gets the rest.
 */
export function splitActivations(
  set: ActivationSet,
  evalFraction: number,
): { train: ActivationSet; eval: ActivationSet } {
  if (!(evalFraction >= 0 && evalFraction < 1))
    throw new RangeError(`splitActivations: evalFraction must be in [0, 1), got ${evalFraction}`);
  const held = evalFraction === 0 ? 0 : Math.max(1, Math.round(set.rows * evalFraction));
  if (held >= set.rows)
    throw new RangeError(`splitActivations: ${set.name} has ${set.rows} rows, too few to hold out ${held}`);
  const cut = set.rows - held;
  return {
    train: sliceActivations(set, 0, cut, `${set.name}[train]`),
    eval: sliceActivations(set, cut, set.rows, `${set.name}[eval]`),
  };
}
