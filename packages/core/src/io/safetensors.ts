/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Written here as F32, F16 or BF16; read
 * strictly, with the rules of the reference `safetensors` library (safetensors-header.ts), and F32, F64
 * and F16 converted to float32 (one place: toFloat32 below).
 */

import { encodeBf16, encodeF16, f16BitsToFloat } from './float16.js';
import { readSafetensorsHeader, type SafetensorsEntry, SafetensorsError } from './safetensors-header.js';

export { readSafetensorsHeader, type SafetensorsEntry, SafetensorsError } from './safetensors-header.js';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The dtypes tensors are written in: F32, or rounded to F16 / BF16 (nearest, ties to even). */
export type WriteDtype = 'F32' | 'F16' | 'BF16';

export function encodeSafetensors(
  tensors: Readonly<Record<string, NamedTensor>>,
  metadata?: Record<string, string>,
  dtype: WriteDtype = 'F32',
): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new SafetensorsError(`safetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + n * width] };
    offset += n * width;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned.
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const name of names) {
    const d = tensors[name].data;
    if (dtype !== 'F32') {
      const bits = new Uint16Array(d.length);
      (dtype === 'F16' ? encodeF16 : encodeBf16)(d, bits);
      for (let i = 0; i < bits.length; i++) view.setUint16(pos + i * 2, bits[i], true);
    } else if (LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    else for (let i = 0; i < d.length; i++) view.setFloat32(pos + i * 4, d[i], true);
    pos += d.length * width;
  }
  return out;
}

export interface DecodedSafetensors {
  readonly tensors: Record<string, NamedTensor>;
  readonly metadata: Record<string, string>;
}

/**
 * Reads a safetensors file whose tensors are all F32, F64 or F16, as float32.
 * @throws SafetensorsError naming `source` for anything the format does not allow
 */
export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): DecodedSafetensors {
  const { entries, metadata, dataStart } = readSafetensorsHeader(bytes, source);
  const tensors: Record<string, NamedTensor> = {};
  for (const e of entries) {
    const data = toFloat32(e, bytes.subarray(dataStart + e.begin, dataStart + e.end));
    if (!data) {
      throw new SafetensorsError(
        `${source}: tensor "${e.name}": dtype ${e.dtype} is not supported here (F32, F64, F16)`,
      );
    }
    // defineProperty: a tensor named "__proto__" is a tensor, not the prototype.
    Object.defineProperty(tensors, e.name, { value: { shape: e.shape, data }, enumerable: true });
  }
  return { tensors, metadata };
}

/** The values of one tensor as float32, or undefined for a dtype saekit does not convert. */
function toFloat32(e: SafetensorsEntry, raw: Uint8Array): Float32Array | undefined {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const n = e.end - e.begin;
  if (e.dtype === 'F32') {
    const out = new Float32Array(n / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }
  if (e.dtype === 'F64') {
    const out = new Float32Array(n / 8);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(8 * i, true);
    return out;
  }
  if (e.dtype === 'F16') {
    const out = new Float32Array(n / 2);
    for (let i = 0; i < out.length; i++) out[i] = f16BitsToFloat(view.getUint16(2 * i, true));
    return out;
  }
  return undefined;
}
