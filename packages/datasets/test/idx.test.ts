import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, isGzip, parseIdx, readIdxFile } from '../src/index.js';
import { makeIdx, pattern } from './helpers/fixtures.js';

const images = pattern(4 * 3 * 5, 7);
const imagesIdx = makeIdx([4, 3, 5], images);
const labels = Uint8Array.of(3, 1, 4, 1);
const labelsIdx = makeIdx([4], labels);

function parseError(bytes: Uint8Array, source: string): DatasetError {
  try {
    parseIdx(bytes, source);
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).name).toBe('DatasetError');
    return err as DatasetError;
  }
  throw new Error('parseIdx did not throw');
}

describe('parseIdx', () => {
  it('parses raw 3-D images and 1-D labels', () => {
    const a = parseIdx(imagesIdx, 'imgs');
    expect(a.dtype).toBe('uint8');
    expect(a.dims).toEqual([4, 3, 5]);
    expect(a.data).toEqual(images);
    const l = parseIdx(labelsIdx, 'labels');
    expect(l.dims).toEqual([4]);
    expect(l.data).toEqual(labels);
  });

  it('gunzips gzipped input', () => {
    const gz = gzipSync(imagesIdx);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(imagesIdx)).toBe(false);
    const a = parseIdx(gz, 'imgs.gz');
    expect(a.dims).toEqual([4, 3, 5]);
    expect(a.data).toEqual(images);
    expect(parseIdx(gzipSync(labelsIdx), 'l.gz').data).toEqual(labels);
  });

  it('returns a copy, not a view of the input', () => {
    const bytes = makeIdx([3], Uint8Array.of(1, 2, 3));
    const a = parseIdx(bytes, 'x');
    bytes[bytes.length - 1] = 99;
    expect(Array.from(a.data)).toEqual([1, 2, 3]);
    expect(a.data.byteLength).toBe(a.data.buffer.byteLength);
  });

  it('accepts zero-size dimensions', () => {
    const a = parseIdx(makeIdx([0, 28, 28], new Uint8Array(0)), 'empty');
    expect(a.dims).toEqual([0, 28, 28]);
    expect(a.data.length).toBe(0);
  });

  it('rejects a bad magic number', () => {
    const bytes = imagesIdx.slice();
    bytes[0] = 0x01;
    bytes[1] = 0x02;
    expect(parseError(bytes, 'bad.idx').message).toMatch(/^bad\.idx: bad magic: .*got 0x01 0x02/);
  });

  it('rejects zero dimensions', () => {
    expect(parseError(Uint8Array.of(0, 0, 8, 0), 'zero.idx').message).toMatch(/^zero\.idx: .*0 dimensions/);
  });

  it('rejects a file too short for the magic number', () => {
    expect(parseError(Uint8Array.of(0, 0), 'tiny').message).toMatch(/^tiny: too short .* 2 bytes/);
  });

  it('rejects unsupported data types, naming the type code', () => {
    const float = makeIdx([2], new Uint8Array(8), 0x0d);
    expect(parseError(float, 'f.idx').message).toMatch(/^f\.idx: unsupported IDX data type 0x0d \(float32\)/);
    const weird = makeIdx([2], new Uint8Array(2), 0x42);
    expect(parseError(weird, 'w.idx').message).toMatch(/^w\.idx: unsupported IDX data type 0x42 /);
  });

  it('rejects truncated data, saying expected vs got bytes', () => {
    const full = makeIdx([5, 28, 28], pattern(5 * 28 * 28));
    const cut = full.subarray(0, 16 + 100);
    expect(parseError(cut, 'train-images-idx3-ubyte').message).toMatch(
      /^train-images-idx3-ubyte: truncated: header says 5x28x28 = 3920 bytes of data, file has 100\b/,
    );
    expect(parseError(gzipSync(cut), 'train-images-idx3-ubyte.gz').message).toMatch(
      /^train-images-idx3-ubyte\.gz: truncated: header says 5x28x28 = 3920 bytes/,
    );
  });

  it('rejects a truncated header', () => {
    expect(parseError(imagesIdx.subarray(0, 10), 'h.idx').message).toMatch(
      /^h\.idx: truncated header: 3 dimensions need a 16-byte header, file has 10 bytes/,
    );
  });

  it('rejects trailing bytes', () => {
    const extra = new Uint8Array(labelsIdx.length + 3);
    extra.set(labelsIdx);
    expect(parseError(extra, 'labels.idx').message).toMatch(
      /^labels\.idx: 3 trailing bytes: header says 4 = 4 bytes of data, file has 7\b/,
    );
  });

  it('rejects a corrupt gzip stream', () => {
    const gz = gzipSync(imagesIdx);
    const corrupt = gz.slice();
    for (let i = 10; i < corrupt.length - 8; i++) corrupt[i] ^= 0x5a;
    expect(parseError(corrupt, 'corrupt.gz').message).toMatch(
      /^corrupt\.gz: not a valid gzip stream \(.+\)$/,
    );
    const cut = gz.subarray(0, gz.length >> 1);
    expect(parseError(cut, 'cut.gz').message).toMatch(/^cut\.gz: not a valid gzip stream \(.+\)$/);
  });
});

describe('readIdxFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'saekit-idx-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads raw and gzipped files', async () => {
    await writeFile(join(dir, 'a-idx3-ubyte'), imagesIdx);
    await writeFile(join(dir, 'a-idx3-ubyte.gz'), gzipSync(imagesIdx));
    const raw = await readIdxFile(join(dir, 'a-idx3-ubyte'));
    const gz = await readIdxFile(join(dir, 'a-idx3-ubyte.gz'));
    expect(raw.dims).toEqual([4, 3, 5]);
    expect(gz.data).toEqual(raw.data);
  });

  it('names the path in errors', async () => {
    const path = join(dir, 'short-idx1-ubyte');
    await writeFile(path, labelsIdx.subarray(0, labelsIdx.length - 1));
    await expect(readIdxFile(path)).rejects.toThrow(/short-idx1-ubyte: truncated: header says 4 = 4 bytes/);
    await expect(readIdxFile(join(dir, 'nope'))).rejects.toThrow(/\/nope: cannot read file \(.*ENOENT/);
    await expect(readIdxFile(join(dir, 'nope'))).rejects.toBeInstanceOf(DatasetError);
  });
});
