/** Little-endian tensor bytes to float32 and back, for the dtypes published SAEs use. */
import { decodeBf16, decodeF16 } from '@saekit/core';

export type FloatDtype = 'F32' | 'F16' | 'BF16' | 'F64';

export const DTYPE_BYTES: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, BF16: 2, F64: 8 };

export function isFloatDtype(d: string): d is FloatDtype {
  return d === 'F32' || d === 'F16' || d === 'BF16' || d === 'F64';
}

/** `raw` (a whole number of elements) as float32, written into `out` from `at`. */
export function decodeInto(dtype: FloatDtype, raw: Uint8Array, out: Float32Array, at: number): void {
  const n = raw.length / DTYPE_BYTES[dtype];
  // Copied to an aligned buffer: a range read at an odd offset cannot be viewed as Uint16/32 in place.
  const aligned = raw.byteOffset % 8 === 0 ? raw : raw.slice();
  const view = new DataView(aligned.buffer, aligned.byteOffset, aligned.byteLength);
  if (dtype === 'F32') for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(4 * i, true);
  else if (dtype === 'F64') for (let i = 0; i < n; i++) out[at + i] = view.getFloat64(8 * i, true);
  else {
    const bits = new Uint16Array(n);
    for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, true);
    if (dtype === 'F16') decodeF16(bits, out, at);
    else decodeBf16(bits, out, at);
  }
}
