import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DatasetError, describeError } from './errors.js';

/**
 * An IDX array (the format of the MNIST files): its dimensions, outermost first, and its values
 * row-major. Only unsigned bytes (type 0x08) are supported. `data` never shares memory with the
 * caller's bytes (for a gzipped file it views the freshly gunzipped buffer: no second copy).
 */
export interface IdxArray {
  dtype: 'uint8';
  dims: number[];
  data: Uint8Array;
}

const TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x08, 'unsigned byte'],
  [0x09, 'signed byte'],
  [0x0b, 'int16'],
  [0x0c, 'int32'],
  [0x0d, 'float32'],
  [0x0e, 'float64'],
]);

const hex = (b: number): string => `0x${b.toString(16).padStart(2, '0')}`;

/** True when `bytes` start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file held in memory, gunzipping it first when it starts with the gzip magic.
 * Checks the magic (two zero bytes, the type code, the number of dimensions), that the type is
 * unsigned byte (0x08), and that the data after the header is exactly the product of the
 * dimensions. `source` (a file name or path) starts every error message.
 * @throws DatasetError
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch (err) {
      throw new DatasetError(`${source}: not a valid gzip stream (${describeError(err)})`, { cause: err });
    }
  }
  if (raw.length < 4) {
    throw new DatasetError(
      `${source}: too short to be an IDX file: ${raw.length} bytes, the magic number alone needs 4`,
    );
  }
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new DatasetError(
      `${source}: bad magic: an IDX file starts with two zero bytes, got ${hex(raw[0])} ${hex(raw[1])} (not an IDX file?)`,
    );
  }
  const type = raw[2];
  const ndims = raw[3];
  if (type !== 0x08) {
    const what = TYPE_NAMES.get(type) ?? 'not an IDX type code';
    throw new DatasetError(
      `${source}: unsupported IDX data type ${hex(type)} (${what}); only 0x08 (unsigned byte) is supported`,
    );
  }
  if (ndims === 0) throw new DatasetError(`${source}: bad magic: the IDX header declares 0 dimensions`);
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    throw new DatasetError(
      `${source}: truncated header: ${ndims} dimensions need a ${headerBytes}-byte header, file has ${raw.length} bytes`,
    );
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  const got = raw.length - headerBytes;
  const says = `header says ${dims.join('x')} = ${size} bytes of data, file has ${got} (after the ${headerBytes}-byte header)`;
  if (got < size) throw new DatasetError(`${source}: truncated: ${says}`);
  if (got > size) throw new DatasetError(`${source}: ${got - size} trailing bytes: ${says}`);
  // A large gunzipped buffer is ours alone: view it instead of copying 47 MB of MNIST a second time.
  // Small ones may sit in Node's shared Buffer pool, and the caller's bytes are the caller's: copy.
  const owned = raw !== bytes && raw.byteLength === raw.buffer.byteLength;
  const data = owned
    ? new Uint8Array(raw.buffer, headerBytes, size)
    : new Uint8Array(raw.subarray(headerBytes));
  return { dtype: 'uint8', dims, data };
}

/**
 * Reads and parses an IDX file, gzipped or not (see parseIdx). Error messages name the path.
 * @throws DatasetError
 */
export async function readIdxFile(path: string): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new DatasetError(`${path}: cannot read file (${describeError(err)})`, { cause: err });
  }
  return parseIdx(bytes, path);
}
