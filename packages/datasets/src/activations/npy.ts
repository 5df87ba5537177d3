import { DatasetError } from '../errors.js';

/** Element types an activation shard may hold. */
export type ShardDtype = 'f32' | 'f16' | 'bf16';

export const DTYPE_BYTES: Readonly<Record<ShardDtype, number>> = { f32: 4, f16: 2, bf16: 2 };

/** What a `.npy` header says, once checked against the file. */
export interface NpyHeader {
  readonly dtype: ShardDtype;
  readonly rows: number;
  readonly dim: number;
  /** Where the data starts in the file. */
  readonly dataOffset: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Bytes before the header text: magic, version, and the longest (v2/v3) length field. */
export const NPY_PREAMBLE = 12;
/** NumPy itself refuses headers over 10000 bytes by default; a larger claim is corrupt, not big. */
const MAX_NPY_HEADER = 1 << 16;

/**
 * The length of the whole header (preamble + dict text) from the first bytes of a file of
 * `fileSize` bytes: magic and version checked, the claimed length checked against the file.
 */
export function npyHeaderEnd(first: Uint8Array, fileSize: number, path: string): number {
  const fail = (msg: string): never => {
    throw new DatasetError(`${path}: ${msg}`);
  };
  if (fileSize < 10 || first.length < 10) fail(`truncated: ${fileSize} bytes, too short for a .npy header`);
  if (!MAGIC.every((b, i) => first[i] === b)) fail('not a .npy file (the magic \\x93NUMPY is missing)');
  const major = first[6];
  const minor = first[7];
  if (minor !== 0 || major < 1 || major > 3)
    fail(`unknown .npy version ${major}.${minor} (1.0, 2.0, 3.0 known)`);
  const view = new DataView(first.buffer, first.byteOffset, first.length);
  if (major > 1 && first.length < 12)
    fail(`truncated: ${fileSize} bytes, too short for a .npy ${major}.0 header`);
  const start = major === 1 ? 10 : 12;
  const len = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (len > MAX_NPY_HEADER) fail(`corrupt: header length ${len} is over the limit of ${MAX_NPY_HEADER}`);
  if (start + len > fileSize) fail(`truncated: header length ${len} exceeds the file (${fileSize} bytes)`);
  return start + len;
}

/**
 * Parses and checks a `.npy` header: exactly the keys `descr`, `fortran_order`, `shape`; a
 * little-endian float32 or float16; C order; a 2-D shape; and data of exactly rows × dim × itemsize
 * bytes after the header.
 */
export function parseNpyHeader(bytes: Uint8Array, fileSize: number, path: string): NpyHeader {
  const fail = (msg: string): never => {
    throw new DatasetError(`${path}: ${msg}`);
  };
  const end = npyHeaderEnd(bytes, fileSize, path);
  if (bytes.length < end)
    throw new RangeError(`${path}: the prefix holds ${bytes.length} bytes, the header needs ${end}`);
  const start = bytes[6] === 1 ? 10 : 12;
  let text: string;
  try {
    text = new TextDecoder(bytes[6] === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(
      bytes.subarray(start, end),
    );
  } catch {
    return fail('corrupt header: not valid text');
  }
  const dict = parsePyDict(text.trimEnd(), fail);
  const keys = Object.keys(dict).sort().join(',');
  if (keys !== 'descr,fortran_order,shape')
    fail(`corrupt header: keys must be descr, fortran_order, shape; got ${Object.keys(dict).join(', ')}`);
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string') return fail('corrupt header: descr is not a string');
  const dtype = descr === '<f4' ? 'f32' : descr === '<f2' ? 'f16' : undefined;
  if (!dtype)
    return fail(
      `dtype ${JSON.stringify(descr)} is not supported (little-endian float32 '<f4' or float16 '<f2')`,
    );
  if (typeof fortran !== 'boolean') return fail('corrupt header: fortran_order is not True or False');
  if (fortran) fail('Fortran order is not supported: save a C-order array (np.ascontiguousarray)');
  if (!Array.isArray(shape)) return fail('corrupt header: shape is not a tuple');
  if (shape.length !== 2) fail(`shape (${shape.join(', ')}) is not 2-D: activations are [rows, dim]`);
  const [rows, dim] = shape;
  if (dim === 0) fail('shape has dim 0');
  const need = rows * dim * DTYPE_BYTES[dtype];
  const have = fileSize - end;
  if (!Number.isSafeInteger(need)) fail(`shape (${rows}, ${dim}) is too large`);
  if (have < need)
    fail(`truncated: shape (${rows}, ${dim}) ${descr} needs ${need} bytes of data, the file has ${have}`);
  if (have > need) fail(`${have - need} trailing bytes after the data of shape (${rows}, ${dim})`);
  return { dtype, rows, dim, dataOffset: end };
}

type PyValue = string | boolean | number[];

/** The dict literal NumPy writes: string keys, and string, True/False or int-tuple values. */
function parsePyDict(s: string, fail: (msg: string) => never): Record<string, PyValue> {
  let i = 0;
  const ws = (): void => {
    while (s[i] === ' ') i++;
  };
  const expect = (c: string): void => {
    ws();
    if (s[i] !== c) fail(`corrupt header: expected "${c}" at ${i} in ${JSON.stringify(s)}`);
    i++;
  };
  const str = (): string => {
    const q = s[i];
    if (q !== "'" && q !== '"')
      return fail(`corrupt header: expected a string at ${i} in ${JSON.stringify(s)}`);
    const close = s.indexOf(q, i + 1);
    if (close < 0) return fail('corrupt header: unterminated string');
    const v = s.slice(i + 1, close);
    i = close + 1;
    return v;
  };
  const value = (): PyValue => {
    ws();
    for (const [word, v] of [
      ['True', true],
      ['False', false],
    ] as const) {
      if (s.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    if (s[i] !== '(') return str();
    i++;
    const dims: number[] = [];
    for (;;) {
      ws();
      if (s[i] === ')') break;
      const m = /^\d+/.exec(s.slice(i));
      if (!m) return fail(`corrupt header: bad shape at ${i} in ${JSON.stringify(s)}`);
      const d = Number(m[0]);
      if (!Number.isSafeInteger(d)) fail(`corrupt header: dimension ${m[0]} is too large`);
      dims.push(d);
      i += m[0].length;
      ws();
      if (s[i] === ',') i++;
      else if (s[i] !== ')') fail(`corrupt header: bad shape at ${i} in ${JSON.stringify(s)}`);
    }
    i++;
    return dims;
  };
  const out: Record<string, PyValue> = {};
  expect('{');
  for (;;) {
    ws();
    if (s[i] === '}') break;
    const key = str();
    if (Object.hasOwn(out, key)) fail(`corrupt header: duplicate key "${key}"`);
    expect(':');
    out[key] = value();
    ws();
    if (s[i] === ',') i++;
    else if (s[i] !== '}') fail(`corrupt header: expected "," or "}" at ${i} in ${JSON.stringify(s)}`);
  }
  i++;
  if (i !== s.length) fail(`corrupt header: text after the dict in ${JSON.stringify(s)}`);
  return out;
}

/** A version 1.0 `.npy` header for a C-order [rows, dim] array, padded to 64 bytes as NumPy does. */
export function npyHeaderBytes(dtype: 'f32' | 'f16', rows: number, dim: number): Uint8Array {
  const dict = `{'descr': '${dtype === 'f32' ? '<f4' : '<f2'}', 'fortran_order': False, 'shape': (${rows}, ${dim}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = `${dict.padEnd(total - 10 - 1, ' ')}\n`;
  const out = new Uint8Array(total);
  out.set(MAGIC);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  return out;
}
