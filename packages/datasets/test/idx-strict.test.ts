import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, parseIdx, readIdxBytes, readIdxFile } from '../src/index.js';
import { makeIdx, pattern } from './helpers/fixtures.js';

/** A gzip stream whose IDX header declares `dims` but which inflates to `extra` more zero bytes. */
function bomb(dims: number[], extra: number): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  const idx = makeIdx(dims, new Uint8Array(size));
  const body = new Uint8Array(idx.length + extra);
  body.set(idx);
  return gzipSync(body, { level: 9 });
}

async function rejected(p: Promise<unknown>): Promise<DatasetError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('IDX: header first, output bounded by what it declares', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'saekit-idx-strict-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a gzip bomb stops at the first byte past the declared size (it was inflated whole)', {
    timeout: 60_000,
  }, async () => {
    const gz = bomb([10], 32 * 2 ** 20);
    expect(() => parseIdx(gz, 'b.gz')).toThrow(
      /^b\.gz: trailing bytes: header says 10 = 10 bytes of data, file has more than 10 \(after the 8-byte header\)$/,
    );
    const path = join(dir, 'train-images-idx1-ubyte.gz');
    await writeFile(path, gz);
    const err = await rejected(readIdxFile(path));
    expect(err.message).toMatch(/train-images-idx1-ubyte\.gz: trailing bytes: .* file has more than 10/);
    expect((await rejected(readIdxBytes(gz, 'm.gz'))).message).toMatch(
      /^m\.gz: trailing bytes: .* file has more than 10/,
    );
  });

  it('a size the file cannot hold is refused before allocating it', async () => {
    // 2^31 - 1 declared in a gzip stream of a few dozen bytes: deflate cannot expand that far.
    const forged = gzipSync(makeIdx([1], Uint8Array.of(1)));
    const raw = makeIdx([1], Uint8Array.of(1));
    const big = raw.slice(0, 8);
    new DataView(big.buffer).setUint32(4, 2 ** 31 - 1, false);
    const gz = gzipSync(big);
    expect(() => parseIdx(gz, 'f.gz')).toThrow(
      /^f\.gz: truncated: header says 2147483647 = 2147483647 bytes of data, more than a \d+-byte gzip stream can inflate to/,
    );
    expect(parseIdx(forged, 'ok.gz').data).toEqual(Uint8Array.of(1));
    const path = join(dir, 'forged.gz');
    await writeFile(path, gz);
    expect((await rejected(readIdxFile(path))).message).toMatch(
      /more than a \d+-byte gzip stream can inflate/,
    );
  });

  it('sizes over the limit are refused with the figure', () => {
    const x = makeIdx([64, 64], pattern(4096));
    expect(() => parseIdx(x, 'x', { maxBytes: 4095 })).toThrow(
      /^x: header says 64x64 = 4096 bytes of data, over the limit of 4095$/,
    );
    expect(parseIdx(x, 'x', { maxBytes: 4096 }).dims).toEqual([64, 64]);
  });

  it('reads raw and gzipped files as streams, with exact counts for raw files', {
    timeout: 60_000,
  }, async () => {
    const data = pattern(3 * 50_000, 3);
    const idx = makeIdx([3, 50_000], data);
    await writeFile(join(dir, 'a'), idx);
    await writeFile(join(dir, 'a.gz'), gzipSync(idx));
    expect((await readIdxFile(join(dir, 'a'))).data).toEqual(data);
    expect((await readIdxFile(join(dir, 'a.gz'))).data).toEqual(data);
    const extra = new Uint8Array(idx.length + 5);
    extra.set(idx);
    await writeFile(join(dir, 'extra'), extra);
    expect((await rejected(readIdxFile(join(dir, 'extra')))).message).toMatch(
      /: 5 trailing bytes: header says 3x50000/,
    );
    await writeFile(join(dir, 'cut.gz'), gzipSync(idx).subarray(0, 200));
    expect((await rejected(readIdxFile(join(dir, 'cut.gz')))).message).toMatch(
      /cut\.gz: not a valid gzip stream/,
    );
  });
});
