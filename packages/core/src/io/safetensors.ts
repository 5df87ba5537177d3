/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Written here as F32, F16 or BF16; read
 * strictly, with the rules of the reference `safetensors` library (safetensors-header.ts), and F32, F64
 * and F16 converted to float32 (one place: toFloat32 below).
 */

import { f16BitsToFloat } from './float16.js';
import { readSafetensorsHeader, type SafetensorsEntry, SafetensorsError } from './safetensors-header.js';
import { safetensorsLayout, tensorBytes, type WriteDtype } from './safetensors-layout.js';

export { readSafetensorsHeader, type SafetensorsEntry, SafetensorsError } from './safetensors-header.js';
export {
  type SafetensorsLayout,
  safetensorsLayout,
  tensorBytes,
  type WriteDtype,
} from './safetensors-layout.js';

export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A whole file in memory; `node`'s SafetensorsFileWriter writes the same bytes a chunk at a time. */
export function encodeSafetensors(
  tensors: Readonly<Record<string, NamedTensor>>,
  metadata?: Record<string, string>,
  dtype: WriteDtype = 'F32',
): Uint8Array {
  const shapes: Record<string, readonly number[]> = {};
  for (const [name, t] of Object.entries(tensors)) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new SafetensorsError(`safetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    shapes[name] = t.shape;
  }
  const layout = safetensorsLayout(shapes, metadata, dtype);
  const out = new Uint8Array(layout.head.length + layout.dataBytes);
  out.set(layout.head);
  for (const name of layout.names)
    out.set(tensorBytes(tensors[name].data, dtype), layout.head.length + layout.ranges[name].begin);
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
