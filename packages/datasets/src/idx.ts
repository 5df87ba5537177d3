import { open } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import { constants, createGunzip, gunzipSync } from 'node:zlib';
import { DatasetError, describeError } from './errors.js';
import { type IdxArray, IdxAssembler, MAX_INFLATE_RATIO } from './idx-reader.js';

export { DEFAULT_MAX_IDX_BYTES, type IdxArray, MAX_INFLATE_RATIO } from './idx-reader.js';

export interface IdxReadOptions {
  /** The largest data section accepted, in bytes; default DEFAULT_MAX_IDX_BYTES. */
  readonly maxBytes?: number;
}

/** True when `bytes` start with the gzip magic 0x1f 0x8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** How much data a file of `fileBytes` can hold after the header. */
function bound(fileBytes: number, gz: boolean): (headerBytes: number) => { bytes: number; why: string } {
  return (headerBytes) =>
    gz
      ? {
          bytes: fileBytes * MAX_INFLATE_RATIO - headerBytes,
          why: `more than a ${fileBytes}-byte gzip stream can inflate to`,
        }
      : { bytes: fileBytes - headerBytes, why: 'exact' };
}

const gzipError = (source: string, err: unknown): DatasetError =>
  new DatasetError(`${source}: not a valid gzip stream (${describeError(err)})`, { cause: err });

/**
 * Parses an IDX file held in memory, gunzipping it first when it starts with the gzip magic.
 * The header is checked first (for gzip: inflated alone from the stream's start), then the data,
 * never inflating more than the header declares: the magic (two zero bytes, the type code, the
 * number of dimensions), unsigned bytes only (0x08), and data exactly the product of the
 * dimensions. `source` (a file name or path) starts every error message.
 * @throws DatasetError
 */
export function parseIdx(bytes: Uint8Array, source: string, options: IdxReadOptions = {}): IdxArray {
  const gz = isGzip(bytes);
  const idx = new IdxAssembler(source, bound(bytes.length, gz), options.maxBytes);
  if (!gz) {
    idx.push(bytes);
    return idx.finish();
  }
  // Header first: a prefix of the stream, flushed without its end, yields the first bytes; the
  // prefix grows only while the header is incomplete, so a bomb's head inflates to little.
  for (let prefix = 64; ; prefix *= 8) {
    let head: Uint8Array;
    try {
      head = gunzipSync(bytes.subarray(0, prefix), { finishFlush: constants.Z_SYNC_FLUSH });
    } catch (err) {
      throw gzipError(source, err);
    }
    if ((head.length >= 4 && head.length >= 4 + 4 * head[3]) || prefix >= bytes.length) {
      idx.push(head.subarray(0, head.length < 4 ? head.length : 4 + 4 * head[3]));
      break;
    }
  }
  const total = idx.finishHeader();
  let raw: Uint8Array;
  try {
    raw = gunzipSync(bytes, { maxOutputLength: total + 1 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DatasetError(`${source}: trailing bytes: ${idx.saysMore()}`);
    }
    throw gzipError(source, err);
  }
  const out = new IdxAssembler(source, bound(bytes.length, gz), options.maxBytes);
  out.push(raw);
  return out.finish();
}

/**
 * Reads an IDX file (gzipped or not) as a stream: header checked first, then at most the bytes it
 * declares; no more of the file is read or inflated. Error messages name the path.
 * @throws DatasetError
 */
export async function readIdxFile(path: string, options: IdxReadOptions = {}): Promise<IdxArray> {
  const fail = (err: unknown): never => {
    throw new DatasetError(`${path}: cannot read file (${describeError(err)})`, { cause: err });
  };
  const fh = await open(path).catch(fail);
  try {
    const size = (await fh.stat().catch(fail)).size;
    const magic = new Uint8Array(2);
    await fh.read(magic, 0, 2, 0).catch(fail);
    const file = fh.createReadStream({ start: 0, autoClose: false });
    return await fromStream(file, isGzip(magic), size, path, options, fail);
  } finally {
    await fh.close();
  }
}

/**
 * parseIdx's reading, as a stream over bytes in memory. Prefer it to parseIdx for untrusted gzip
 * data: Node 20's synchronous zlib keeps about 16 KB for every stream it fails on; streams do not.
 * @throws DatasetError
 */
export function readIdxBytes(
  bytes: Uint8Array,
  source: string,
  options: IdxReadOptions = {},
): Promise<IdxArray> {
  return fromStream(
    Readable.from([bytes], { objectMode: false }),
    isGzip(bytes),
    bytes.length,
    source,
    options,
    (e) => {
      throw e;
    },
  );
}

async function fromStream(
  file: Readable,
  gz: boolean,
  size: number,
  source: string,
  options: IdxReadOptions,
  readError: (err: unknown) => never,
): Promise<IdxArray> {
  const idx = new IdxAssembler(source, bound(size, gz), options.maxBytes);
  const stream = gz ? pipeline(file, createGunzip(), () => {}) : file;
  try {
    for await (const chunk of stream) idx.push(chunk as Uint8Array);
  } catch (err) {
    stream.destroy();
    file.destroy();
    if (err instanceof DatasetError) throw err;
    if (gz) throw gzipError(source, err);
    readError(err);
  }
  return idx.finish();
}
