import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import type { Rng } from '@saekit/core';
import { DatasetError, readIdxBytes } from '@saekit/datasets';
import { canonical } from '../json-keys.js';
import { concat, pick } from '../mutate.js';
import type { Reading, Target } from '../types.js';

const gunzipAsync = promisify(gunzip);

/** The fuzz reads with this limit (the reader's default is 2 GiB): sizes above it are refused. */
export const FUZZ_MAX_IDX_BYTES = 16 * 2 ** 20;

function idx(dims: number[], data: Uint8Array, type = 8, ndims = dims.length): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head[2] = type;
  head[3] = ndims;
  const v = new DataView(head.buffer);
  dims.forEach((d, i) => {
    v.setUint32(4 + 4 * i, d >>> 0, false);
  });
  return concat(head, data);
}

const bytes = (n: number, salt: number) =>
  Uint8Array.from({ length: n }, (_, i) => (i * 31 + salt * 7) & 0xff);

function seeds(): Uint8Array[] {
  const images = idx([3, 4, 5], bytes(60, 1));
  const labels = idx([6], bytes(6, 2));
  return [images, labels, gzipSync(images), gzipSync(labels), idx([0, 28, 28], new Uint8Array(0))];
}

function forge(rng: Rng): Uint8Array {
  const ndims = 1 + rng.int(4);
  const dims = Array.from({ length: ndims }, () => rng.int(6));
  let size = dims.reduce((a, b) => a * b, 1);
  if (rng.int(4) === 0) dims[rng.int(ndims)] = pick(rng, [2 ** 31, 2 ** 32 - 1, 65536, 1e6]);
  if (rng.int(6) === 0) size += pick(rng, [-1, 1, 3]);
  const type = rng.int(8) === 0 ? pick(rng, [0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x42]) : 8;
  const declared = rng.int(10) === 0 ? pick(rng, [0, 255, ndims + 1]) : ndims;
  let file = idx(dims, bytes(Math.max(0, size), rng.int(100)), type, declared);
  const gz = rng.int(2) === 0;
  if (gz && rng.int(4) === 0) {
    // a bomb: the header declares little, the stream inflates to much more
    file = concat(file, new Uint8Array(pick(rng, [1, 1000, 2 ** 20, 8 * 2 ** 20])));
  }
  if (!gz) return file;
  let z: Uint8Array = gzipSync(file, { level: 1 });
  if (rng.int(8) === 0) z = concat(z, pick(rng, [gzipSync(Uint8Array.of(1, 2)), Uint8Array.of(0, 0, 0), z]));
  return z;
}

/** A whole-file reading, independent of the streaming reader: inflate (bounded), then check. */
export async function referenceIdx(b: Uint8Array): Promise<Reading> {
  const no = (why: string): Reading => ({ ok: false, why });
  let raw = b;
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) {
    try {
      // async: Node 20's gunzipSync keeps memory for every stream it fails on
      raw = await gunzipAsync(b, { maxOutputLength: 64 * 2 ** 20 });
    } catch {
      return no('gzip');
    }
  }
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 8 || raw[3] === 0) return no('magic');
  const n = raw[3];
  if (raw.length < 4 + 4 * n) return no('header');
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: n }, (_, i) => v.getUint32(4 + 4 * i, false));
  const size = dims.reduce((a, d) => a * BigInt(d), 1n);
  if (size > BigInt(FUZZ_MAX_IDX_BYTES)) return no('limit');
  if (BigInt(raw.length - 4 - 4 * n) !== size) return no('size');
  return { ok: true, value: canonical({ dims, data: raw.slice(4 + 4 * n) }) };
}

export const idxTarget: Target = {
  name: 'idx',
  seeds,
  forge: (rng) => forge(rng),
  read: async (b) => {
    const a = await readIdxBytes(b, 'fuzz.idx', { maxBytes: FUZZ_MAX_IDX_BYTES });
    return canonical({ dims: a.dims, data: a.data });
  },
  ownError: (e) => e instanceof DatasetError,
  reference: referenceIdx,
};
