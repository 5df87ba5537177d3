/**
 * A safetensors file read lazily: the header first (its claimed length checked against the file
 * before anything is allocated), then only the byte ranges asked for. One decoder row is one range;
 * one latent's encoder column is a strided set of ranges, coalesced when the gaps are small.
 */
import { readSafetensorsHeaderPrefix, type SafetensorsEntry, safetensorsHeaderLength } from '@saekit/core';
import { DTYPE_BYTES, decodeInto, type FloatDtype, isFloatDtype } from './dtype.js';
import { SaeFormatError } from './errors.js';
import type { ByteSource } from './source.js';
import type { Tensor } from './tensor.js';

export interface ColumnOptions {
  /** Two ranges closer than this many bytes are read as one (default 4096). */
  readonly maxGap?: number;
}

export class LazySafetensors {
  private readonly byName: ReadonlyMap<string, SafetensorsEntry>;

  private constructor(
    readonly source: ByteSource,
    readonly entries: readonly SafetensorsEntry[],
    readonly metadata: Readonly<Record<string, string>>,
    private readonly dataStart: number,
  ) {
    this.byName = new Map(entries.map((e) => [e.name, e]));
  }

  /** Reads and checks the header (every offset against the file's size), nothing else. */
  static async open(source: ByteSource): Promise<LazySafetensors> {
    const size = await source.size();
    const first = await source.read(0, Math.min(8, size));
    const headLen = safetensorsHeaderLength(first, size, source.name);
    const prefix = new Uint8Array(8 + headLen);
    prefix.set(first);
    prefix.set(await source.read(8, headLen), 8);
    const h = readSafetensorsHeaderPrefix(prefix, size, source.name);
    return new LazySafetensors(source, h.entries, h.metadata, h.dataStart);
  }

  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  entry(name: string): SafetensorsEntry | undefined {
    return this.byName.get(name);
  }

  /** The dtype of a float tensor; other dtypes are an error naming the tensor. */
  dtype(name: string): FloatDtype {
    const e = this.need(name);
    if (!isFloatDtype(e.dtype))
      throw new SaeFormatError(
        `${this.source.name}: tensor "${name}" is ${e.dtype}; F32, F16, BF16 or F64 wanted`,
      );
    return e.dtype;
  }

  /** A whole tensor as float32. */
  async tensor(name: string): Promise<Tensor> {
    const e = this.need(name);
    const dtype = this.dtype(name);
    const raw = await this.source.read(this.dataStart + e.begin, e.end - e.begin);
    const data = new Float32Array((e.end - e.begin) / DTYPE_BYTES[dtype]);
    decodeInto(dtype, raw, data, 0);
    return { shape: e.shape, data };
  }

  /** Row `i` of a 2-D tensor (one range read). */
  async row(name: string, i: number): Promise<Float32Array> {
    const { e, dtype, rows, cols } = this.matrix(name);
    if (!Number.isInteger(i) || i < 0 || i >= rows)
      throw new RangeError(`${this.source.name}: row ${i} of "${name}" [${e.shape}] does not exist`);
    const w = DTYPE_BYTES[dtype];
    const raw = await this.source.read(this.dataStart + e.begin + i * cols * w, cols * w);
    const out = new Float32Array(cols);
    decodeInto(dtype, raw, out, 0);
    return out;
  }

  /** Column `j` of a 2-D tensor: one element per row, read as few coalesced ranges. */
  async column(name: string, j: number, opts: ColumnOptions = {}): Promise<Float32Array> {
    const { e, dtype, rows, cols } = this.matrix(name);
    if (!Number.isInteger(j) || j < 0 || j >= cols)
      throw new RangeError(`${this.source.name}: column ${j} of "${name}" [${e.shape}] does not exist`);
    const w = DTYPE_BYTES[dtype];
    const stride = cols * w;
    // Rows per read: as many as fit while each gap (stride - w) stays under maxGap, else one.
    const perRead = stride - w <= (opts.maxGap ?? 4096) ? Math.max(1, Math.floor((1 << 20) / stride)) : 1;
    const out = new Float32Array(rows);
    const base = this.dataStart + e.begin + j * w;
    const starts: number[] = [];
    for (let r0 = 0; r0 < rows; r0 += perRead) starts.push(r0);
    // A bounded number of requests in flight: a URL source must not open thousands at once.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < starts.length) {
        const r0 = starts[next++];
        const n = Math.min(perRead, rows - r0);
        const raw = await this.source.read(base + r0 * stride, (n - 1) * stride + w);
        for (let k = 0; k < n; k++) decodeInto(dtype, raw.subarray(k * stride, k * stride + w), out, r0 + k);
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, starts.length) }, worker));
    return out;
  }

  private need(name: string): SafetensorsEntry {
    const e = this.byName.get(name);
    if (!e)
      throw new SaeFormatError(
        `${this.source.name}: tensor "${name}" is missing (has: ${this.names().join(', ') || 'none'})`,
      );
    return e;
  }

  private matrix(name: string): { e: SafetensorsEntry; dtype: FloatDtype; rows: number; cols: number } {
    const e = this.need(name);
    if (e.shape.length !== 2)
      throw new SaeFormatError(`${this.source.name}: tensor "${name}" is [${e.shape}], not a matrix`);
    return { e, dtype: this.dtype(name), rows: e.shape[0], cols: e.shape[1] };
  }
}
