import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchStreamPosition } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import {
  ActivationStream,
  type ActivationStreamOptions,
  openActivations,
  splitActivations,
} from '../src/index.js';
import { npyF32, useTempDirs, watchedOpen, writeNumberedShards } from './helpers/activations.js';

const DIM = 4;
const SHARDS = [1000, 37, 800, 513, 650];
const N = SHARDS.reduce((a, b) => a + b, 0);
const OPTS: ActivationStreamOptions = { seed: 7, chunkRows: 64, bufferRows: 540 }; // 8 chunks
const tempDir = useTempDirs();

async function numbered(): Promise<string> {
  const dir = await tempDir();
  await writeNumberedShards(dir, SHARDS, DIM);
  return dir;
}

/** Batches until `rows` rows were delivered (epoch ends included), each batch a copy of its rows. */
async function take(stream: ActivationStream, rows: number, batch = 100): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  const buf = new Float32Array(batch * DIM);
  for (let got = 0; got < rows; ) {
    const n = await stream.nextBatch(buf.subarray(0, Math.min(batch, rows - got) * DIM));
    if (n > 0) out.push(buf.slice(0, n * DIM));
    got += n;
  }
  return out;
}

const column = (batches: Float32Array[], c: number): number[] =>
  batches.flatMap((b) => Array.from({ length: b.length / DIM }, (_, i) => b[i * DIM + c]));

describe('ActivationStream: shuffled as SAE trainers do', () => {
  it('an epoch visits every row exactly once, and the next epoch again in another order', async () => {
    const stream = new ActivationStream(await openActivations(await numbered()), OPTS);
    const e0 = column(await take(stream, N), 0);
    expect(await stream.nextBatch(new Float32Array(DIM))).toBe(0); // the end of epoch 0, once
    const e1 = column(await take(stream, N), 0);
    const all = Array.from({ length: N }, (_, i) => i + 1);
    expect([...e0].sort((a, b) => a - b)).toEqual(all);
    expect([...e1].sort((a, b) => a - b)).toEqual(all);
    expect(e0).not.toEqual(e1);
    expect(stream.position()).toMatchObject({ epoch: 1, cursor: N });
    await stream.close();
  });

  it('batches mix shards; read in order they would not', async () => {
    const set = await openActivations(await numbered());
    const shardsPerBatch = async (options: ActivationStreamOptions): Promise<number> => {
      const stream = new ActivationStream(set, options);
      const batches = (await take(stream, N)).slice(0, -1); // whole batches
      await stream.close();
      let distinct = 0;
      for (const b of batches) distinct += new Set(column([b], 1)).size;
      return distinct / batches.length;
    };
    // A batch of 100 from 8 chunks of 64 drawn over 5 shards: nearly always 3 or more shards.
    expect(await shardsPerBatch(OPTS)).toBeGreaterThan(3);
    // In order, only a batch that straddles two shards holds two.
    expect(await shardsPerBatch({ ...OPTS, shuffle: false })).toBeLessThan(1.2);
  });

  it('in order without shuffling, across shards and a split', async () => {
    const set = await openActivations(await numbered());
    const { train, eval: held } = splitActivations(set, 0.1);
    expect(held.rows).toBe(Math.round(N * 0.1));
    expect(train.rows + held.rows).toBe(N);
    const s = new ActivationStream(held, { shuffle: false, chunkRows: 50, bufferRows: 120 });
    expect(column(await take(s, held.rows, 33), 0)).toEqual(
      Array.from({ length: held.rows }, (_, i) => train.rows + i + 1),
    );
    await s.close();
    const t = new ActivationStream(train, OPTS);
    const rows = column(await take(t, train.rows), 0);
    expect(Math.max(...rows)).toBe(train.rows);
    expect(new Set(rows).size).toBe(train.rows);
    await t.close();
  });

  it('a restored position continues the same sequence bit for bit', async () => {
    const set = await openActivations(await numbered());
    const total = 2 * N + 700;
    const whole = new ActivationStream(set, OPTS);
    const reference = column(await take(whole, total, 64), 0);
    await whole.close();
    // Stops: inside a buffer, on a buffer boundary, at the end of an epoch, inside epoch 1.
    for (const stop of [1, 333, 512, N, N + 1234, 2 * N + 5]) {
      const first = new ActivationStream(set, OPTS);
      await take(first, stop, 64);
      const saved: BatchStreamPosition = JSON.parse(JSON.stringify(first.position()));
      await first.close();
      // As a resumed run would open it: the same options, and the position.
      const resumed = new ActivationStream(
        set,
        stop % 2 ? { position: saved } : { ...OPTS, position: saved },
      );
      const rest = column(await take(resumed, total - stop, 64), 0);
      await resumed.close();
      expect(rest, `stopped at row ${stop}`).toEqual(reference.slice(stop));
    }
  });

  it('a position from another dataset or other options is refused', async () => {
    const set = await openActivations(await numbered());
    const pos = new ActivationStream(set, OPTS).position();
    const { train } = splitActivations(set, 0.5);
    expect(() => new ActivationStream(train, { position: pos })).toThrow(
      /the position is for 3000 rows of 4/,
    );
    expect(() => new ActivationStream(set, { position: pos, seed: 8 })).toThrow(
      /seed 8 differs from the position's 7/,
    );
    expect(() => new ActivationStream(set, { position: { ...pos, cursor: N + 1 } })).toThrow(/bad position/);
    const { seed: _, ...noSeed } = pos;
    expect(() => new ActivationStream(set, { position: noSeed as typeof pos })).toThrow(
      /the position has no seed/,
    );
  });
});

describe('memory is bounded by the buffers, whatever the size of the data', () => {
  it('a 4 MB shard read through a 64 KB buffer: every read fits it, into one reused buffer, each byte once', async () => {
    const dir = await tempDir();
    const rows = 4096;
    const dim = 256;
    const values = new Float32Array(rows * dim).map((_, i) => (i % 1000) / 7);
    await writeFile(join(dir, 'big.npy'), npyF32(values, rows, dim));
    const watch = watchedOpen();
    const set = await openActivations(dir, { openFile: watch.open });
    watch.reads.length = 0; // the header reads are done
    const stream = new ActivationStream(set, {
      seed: 1,
      chunkRows: 128,
      bufferRows: 512,
      readBufferBytes: 1 << 16,
      openFile: watch.open,
    });
    const batch = new Float32Array(100 * dim);
    let sum = 0;
    for (let n = await stream.nextBatch(batch); n > 0; n = await stream.nextBatch(batch)) {
      for (let i = 0; i < n * dim; i++) sum += batch[i];
    }
    await stream.close();
    let expected = 0;
    for (const v of values) expected += v;
    expect(sum).toBeCloseTo(expected, 3);
    expect(Math.max(...watch.reads.map((r) => r.length))).toBeLessThanOrEqual(1 << 16);
    expect(new Set(watch.reads.map((r) => r.buffer.buffer)).size).toBe(1);
    expect(watch.reads[0].buffer.byteLength).toBeLessThanOrEqual(1 << 16);
    expect(watch.reads.reduce((a, r) => a + r.length, 0)).toBe(rows * dim * 4);
    expect(watch.maxOpen()).toBe(1);
  });
});
