import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SafetensorsError } from '../io/safetensors-header.js';
import {
  type SafetensorsLayout,
  safetensorsLayout,
  tensorBytes,
  type WriteDtype,
} from '../io/safetensors-layout.js';

/**
 * Writes a safetensors file whose sizes are known up front but whose data is not in memory at
 * once: the header first, then each tensor's values in order, a chunk at a time, into a temporary
 * file beside `path` that `close` syncs and renames over it. A writer that fails or is aborted
 * removes its temporary file, so `path` is either the old file or the whole new one.
 */
export class SafetensorsFileWriter {
  private at = 0;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly tmp: string,
    private readonly fh: FileHandle,
    private readonly layout: SafetensorsLayout,
  ) {}

  static async create(
    path: string,
    shapes: Readonly<Record<string, readonly number[]>>,
    metadata?: Record<string, string>,
    dtype: WriteDtype = 'F32',
  ): Promise<SafetensorsFileWriter> {
    const layout = safetensorsLayout(shapes, metadata, dtype);
    await mkdir(dirname(path), { recursive: true });
    const tmp = join(
      dirname(path),
      `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
    );
    const fh = await open(tmp, 'wx');
    const w = new SafetensorsFileWriter(path, tmp, fh, layout);
    await writeAll(fh, layout.head).catch(async (e: unknown) => {
      await w.abort();
      throw e;
    });
    return w;
  }

  /** The tensor the next values belong to, or undefined once every tensor is whole. */
  get current(): string | undefined {
    return this.layout.names.find((n) => this.at < this.layout.ranges[n].end);
  }

  /** Appends values of tensor `name`, which must be the one being written (names in sorted order). */
  async write(name: string, values: Float32Array): Promise<void> {
    const cur = this.current;
    if (name !== cur)
      throw new SafetensorsError(
        `${this.path}: values of "${name}" written while ${cur === undefined ? 'every tensor is whole' : `"${cur}" is not`}`,
      );
    const bytes = tensorBytes(values, this.layout.dtype);
    if (this.at + bytes.length > this.layout.ranges[name].end)
      throw new SafetensorsError(
        `${this.path}: "${name}" takes ${this.layout.ranges[name].end - this.layout.ranges[name].begin} bytes; ${values.length} more values overrun it`,
      );
    await writeAll(this.fh, bytes);
    this.at += bytes.length;
  }

  /** Checks that every value was written, then syncs and renames the file into place. */
  async close(): Promise<void> {
    if (this.done) throw new Error(`${this.path}: the writer is closed`);
    try {
      const cur = this.current;
      if (cur !== undefined)
        throw new SafetensorsError(
          `${this.path}: "${cur}" is not whole (${this.at} of ${this.layout.dataBytes} data bytes written)`,
        );
      await this.fh.sync();
      await this.fh.close();
      this.done = true;
      await rename(this.tmp, this.path);
    } catch (e) {
      await this.abort();
      throw e;
    }
  }

  /** Drops the temporary file; `path` is left as it was. */
  async abort(): Promise<void> {
    if (!this.done) {
      this.done = true;
      await this.fh.close().catch(() => {});
    }
    await rm(this.tmp, { force: true });
  }
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let off = 0; off < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
    off += bytesWritten;
  }
}
