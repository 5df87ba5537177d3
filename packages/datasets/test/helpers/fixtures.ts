import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

/** An IDX unsigned-byte file: magic 0 0 0x08 ndims, big-endian dims, then the data. */
export function makeIdx(dims: number[], data: Uint8Array, typeCode = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = typeCode;
  header[3] = dims.length;
  for (const [i, d] of dims.entries()) view.setUint32(4 + 4 * i, d, false);
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

/** Deterministic bytes 0..255 (a small LCG), so fixtures differ by `salt`. */
export function pattern(n: number, salt = 0): Uint8Array {
  const out = new Uint8Array(n);
  let s = (salt * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

export interface MnistFixture {
  /** Uncompressed IDX bytes per base name (e.g. `train-images-idx3-ubyte`). */
  raw: Record<string, Uint8Array>;
  /** Gzipped bytes per `.gz` file name. */
  gz: Record<string, Uint8Array>;
  /** SHA-256 per `.gz` file name. */
  sha256: Record<string, string>;
  trainPixels: Uint8Array;
  trainLabels: Uint8Array;
  testPixels: Uint8Array;
  testLabels: Uint8Array;
}

/** A tiny MNIST look-alike: `nTrain` and `nTest` images of rows x cols, labels 0-9. */
export function mnistFixture(nTrain = 5, nTest = 3, salt = 0, rows = 28, cols = 28): MnistFixture {
  const trainPixels = pattern(nTrain * rows * cols, salt + 1);
  const testPixels = pattern(nTest * rows * cols, salt + 2);
  const trainLabels = Uint8Array.from({ length: nTrain }, (_, i) => (i + salt) % 10);
  const testLabels = Uint8Array.from({ length: nTest }, (_, i) => (i * 3 + salt) % 10);
  const raw: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': makeIdx([nTrain, rows, cols], trainPixels),
    'train-labels-idx1-ubyte': makeIdx([nTrain], trainLabels),
    't10k-images-idx3-ubyte': makeIdx([nTest, rows, cols], testPixels),
    't10k-labels-idx1-ubyte': makeIdx([nTest], testLabels),
  };
  const gz: Record<string, Uint8Array> = {};
  const sha256: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(raw)) {
    const z = gzipSync(bytes);
    gz[`${name}.gz`] = z;
    sha256[`${name}.gz`] = createHash('sha256').update(z).digest('hex');
  }
  return { raw, gz, sha256, trainPixels, trainLabels, testPixels, testLabels };
}
