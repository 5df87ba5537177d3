/**
 * NumPy's `.npy` format (version 1-3): magic, a length-prefixed Python-dict header
 * (`descr`, `fortran_order`, `shape`), then the raw data. Little-endian float arrays in C order
 * only; anything else is refused by name.
 */

import { decodeInto, type FloatDtype } from './dtype.js';
import { fail } from './errors.js';
import type { Tensor } from './tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const DESCR: Readonly<Record<string, FloatDtype>> = { '<f4': 'F32', '<f2': 'F16', '<f8': 'F64' };
const WIDTH: Readonly<Record<FloatDtype, number>> = { F32: 4, F16: 2, F64: 8, BF16: 2 };

export interface NpyArray extends Tensor {
  readonly dtype: FloatDtype;
}

export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b))
    fail(source, 'not a .npy array (no \\x93NUMPY magic)');
  const major = bytes[6];
  if (major < 1 || major > 3 || bytes[7] !== 0) fail(source, `unknown .npy version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) fail(source, 'truncated .npy header');
  const headLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (start + headLen > bytes.length)
    fail(source, `.npy header length ${headLen} exceeds the array's ${bytes.length} bytes`);
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + headLen),
  );
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    fail(
      source,
      `.npy header is not a dict of descr, fortran_order and shape: ${JSON.stringify(text.trim())}`,
    );
  const dtype = DESCR[descr];
  if (!dtype) fail(source, `dtype ${JSON.stringify(descr)} is not a little-endian float (<f2, <f4, <f8)`);
  if (fortran === 'True') fail(source, 'fortran_order arrays are not supported');
  const parts = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!parts.every((s) => /^\d{1,15}$/.test(s))) fail(source, `bad shape (${shapeText})`);
  const shape = parts.map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const dataLen = bytes.length - start - headLen;
  if (n * WIDTH[dtype] !== dataLen)
    fail(source, `shape [${shape}] of ${descr} needs ${n * WIDTH[dtype]} bytes, the array holds ${dataLen}`);
  const data = new Float32Array(n);
  decodeInto(dtype, bytes.subarray(start + headLen), data, 0);
  return { shape, data, dtype };
}
