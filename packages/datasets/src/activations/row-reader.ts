import { decodeBf16, decodeF16 } from '@saekit/core';
import { DatasetError } from '../errors.js';
import { type ActivationFile, type OpenActivationFile, openNodeFile, readExactly } from './file.js';
import { DTYPE_BYTES } from './npy.js';
import type { ShardInfo } from './shard.js';

if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1)
  throw new Error('@saekit/datasets: activation shards are little-endian; this host is big-endian');

/** Default size of the one read buffer (bytes). */
export const DEFAULT_READ_BUFFER_BYTES = 1 << 20;

/**
 * Reads rows of shards into float32, through one reused byte buffer and one open file at a time
 * (the last one used), so memory stays the buffer whatever the size of the data. Every value is
 * checked finite: a NaN or Inf is an error naming the file and the row.
 */
export class RowReader {
  private readonly scratch: Uint8Array;
  private current: { path: string; file: ActivationFile } | undefined;
  private readonly openFile: OpenActivationFile;

  constructor(options: { bufferBytes?: number; openFile?: OpenActivationFile } = {}) {
    const bytes = options.bufferBytes ?? DEFAULT_READ_BUFFER_BYTES;
    if (!Number.isInteger(bytes) || bytes < 4)
      throw new RangeError(`RowReader: bufferBytes must be an integer >= 4, got ${bytes}`);
    this.scratch = new Uint8Array(bytes - (bytes % 4));
    this.openFile = options.openFile ?? openNodeFile;
  }

  /** The bytes of the read buffer (a row larger than it is read a part of a row at a time). */
  get bufferBytes(): number {
    return this.scratch.length;
  }

  /** Reads rows [row, row + count) of `shard` into `out` from row `outRow` on. */
  async read(shard: ShardInfo, row: number, count: number, out: Float32Array, outRow: number): Promise<void> {
    if (row < 0 || count < 0 || row + count > shard.rows)
      throw new RangeError(`${shard.path}: rows [${row}, ${row + count}) outside [0, ${shard.rows})`);
    const file = await this.fileOf(shard.path);
    const item = DTYPE_BYTES[shard.dtype];
    const perRead = Math.floor(this.scratch.length / item); // values per read
    const first = row * shard.dim; // value index in the shard
    const total = count * shard.dim;
    const outBase = outRow * shard.dim;
    for (let done = 0; done < total; ) {
      const n = Math.min(perRead, total - done);
      await readExactly(file, shard.path, this.scratch, n * item, shard.dataOffset + (first + done) * item);
      const at = outBase + done;
      if (shard.dtype === 'f32') out.set(new Float32Array(this.scratch.buffer, 0, n), at);
      else if (shard.dtype === 'f16') decodeF16(new Uint16Array(this.scratch.buffer, 0, n), out, at);
      else decodeBf16(new Uint16Array(this.scratch.buffer, 0, n), out, at);
      checkFinite(out, at, n, shard, first + done);
      done += n;
    }
  }

  async close(): Promise<void> {
    const cur = this.current;
    this.current = undefined;
    await cur?.file.close();
  }

  private async fileOf(path: string): Promise<ActivationFile> {
    if (this.current?.path === path) return this.current.file;
    await this.close();
    const { file } = await this.openFile(path);
    this.current = { path, file };
    return file;
  }
}

function checkFinite(out: Float32Array, at: number, n: number, shard: ShardInfo, firstValue: number): void {
  for (let i = 0; i < n; i++) {
    const v = out[at + i];
    // v - v is 0 for finite values and NaN for NaN and ±Inf: one test per value.
    if (v - v !== 0) {
      const index = firstValue + i;
      throw new DatasetError(
        `${shard.path}: row ${Math.floor(index / shard.dim)} (0-based), column ${index % shard.dim} is ${v}; activations must be finite`,
      );
    }
  }
}
