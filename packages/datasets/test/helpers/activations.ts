import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import {
  type ActivationFile,
  npyHeaderBytes,
  type OpenActivationFile,
  openNodeFile,
} from '../../src/index.js';

export const FIXTURES = fileURLToPath(new URL('../fixtures/activations/', import.meta.url));

/** A fresh temporary directory per call, removed after the test. */
export function useTempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const d = await mkdtemp(join(tmpdir(), 'saekit-acts-'));
    made.push(d);
    return d;
  };
}

/** The bytes of a float32 `.npy` file of [rows, dim]. */
export function npyF32(values: Float32Array, rows: number, dim: number): Uint8Array {
  const head = npyHeaderBytes('f32', rows, dim);
  const out = new Uint8Array(head.length + values.byteLength);
  out.set(head);
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), head.length);
  return out;
}

/**
 * Writes shards whose row r (counted across all shards) holds r + 1 in column 0 and the shard
 * index in column 1, so a test can tell every row and its shard apart by value.
 */
export async function writeNumberedShards(dir: string, rowsPerShard: number[], dim: number): Promise<void> {
  let r = 0;
  for (const [s, rows] of rowsPerShard.entries()) {
    const v = new Float32Array(rows * dim);
    for (let i = 0; i < rows; i++, r++) {
      v[i * dim] = r + 1;
      v[i * dim + 1] = s;
    }
    await writeFile(join(dir, `shard-${String(s).padStart(3, '0')}.npy`), npyF32(v, rows, dim));
  }
}

/** One read: the buffer it went into and how many bytes were asked for. */
export interface ReadRecord {
  buffer: Uint8Array;
  length: number;
}

/** Node's file opening, recording every read and counting the files open at once. */
export function watchedOpen(): { open: OpenActivationFile; reads: ReadRecord[]; maxOpen: () => number } {
  const reads: ReadRecord[] = [];
  let open = 0;
  let max = 0;
  const opener: OpenActivationFile = async (path) => {
    const { file, size } = await openNodeFile(path);
    open++;
    max = Math.max(max, open);
    const watched: ActivationFile = {
      read: (buffer, offset, length, position) => {
        reads.push({ buffer, length });
        return file.read(buffer, offset, length, position);
      },
      close: async () => {
        open--;
        await file.close();
      },
    };
    return { file: watched, size };
  };
  return { open: opener, reads, maxOpen: () => max };
}
