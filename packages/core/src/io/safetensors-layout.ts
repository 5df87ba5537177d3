import { encodeBf16, encodeF16 } from './float16.js';
import { SafetensorsError } from './safetensors-header.js';

/** The dtypes tensors are written in: F32, or rounded to F16 / BF16 (nearest, ties to even). */
export type WriteDtype = 'F32' | 'F16' | 'BF16';

/** Where each tensor's bytes go in a file saekit writes, known before any data. */
export interface SafetensorsLayout {
  /** The 8-byte length and the JSON header, padded so the data starts 8-byte aligned. */
  readonly head: Uint8Array;
  /** Tensor names in data order (sorted). */
  readonly names: readonly string[];
  /** Byte ranges in the data section, by name. */
  readonly ranges: Readonly<Record<string, { readonly begin: number; readonly end: number }>>;
  readonly dataBytes: number;
  readonly dtype: WriteDtype;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The header of a file of tensors of these shapes: everything but the data, so a writer that
 * streams the data (rows of latents a chunk at a time) writes the same bytes as one that holds it.
 */
export function safetensorsLayout(
  shapes: Readonly<Record<string, readonly number[]>>,
  metadata?: Record<string, string>,
  dtype: WriteDtype = 'F32',
): SafetensorsLayout {
  const width = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  const ranges: Record<string, { begin: number; end: number }> = {};
  let offset = 0;
  const names = Object.keys(shapes).sort();
  for (const name of names) {
    const shape = shapes[name];
    if (!shape.every((s) => Number.isSafeInteger(s) && s >= 0))
      throw new SafetensorsError(`safetensors: "${name}" has a bad shape [${shape}]`);
    const n = shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype, shape, data_offsets: [offset, offset + n * width] };
    ranges[name] = { begin: offset, end: offset + n * width };
    offset += n * width;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned.
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const text = new TextEncoder().encode(json);
  const head = new Uint8Array(8 + text.length);
  new DataView(head.buffer).setBigUint64(0, BigInt(text.length), true);
  head.set(text, 8);
  return { head, names, ranges, dataBytes: offset, dtype };
}

/** Values as the little-endian bytes of `dtype` (a view of `data` itself for F32 on a little-endian host). */
export function tensorBytes(data: Float32Array, dtype: WriteDtype): Uint8Array {
  if (dtype === 'F32') {
    if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out = new Uint8Array(data.length * 4);
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i], true);
    return out;
  }
  const bits = new Uint16Array(data.length);
  (dtype === 'F16' ? encodeF16 : encodeBf16)(data, bits);
  const out = new Uint8Array(data.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < bits.length; i++) view.setUint16(i * 2, bits[i], true);
  return out;
}
