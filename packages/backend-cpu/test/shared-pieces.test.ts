import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { matmul } from '../src/kernels/matmul.js';
import { MATMUL } from '../src/kernels/matmul-auto.js';
import { ThreadPool } from '../src/parallel/pool.js';
import { runChunks } from '../src/parallel/protocol.js';
import { sharedRows } from '../src/split.js';
import { firstDifference } from './compare.js';

// Large products are shared piece by piece among the pool's threads (ThreadPool.plan's `chunk`):
// every unit runs exactly once per run, and the values are those of one thread.

describe('shared pieces of a split kernel', () => {
  it('runChunks hands out every unit once, in pieces of chunk, the last one short', () => {
    const seen: [number, number][] = [];
    runChunks((lo, hi) => seen.push([lo, hi]), new Int32Array(1), 4, 10);
    expect(seen).toEqual([
      [0, 4],
      [4, 8],
      [8, 10],
    ]);
  });

  it('a product shared over 3 threads equals the single-threaded kernel bit for bit, run after run', () => {
    const pool = ThreadPool.create(3)!;
    const rng = new Rng(5);
    const [m, k, n] = [100, 70, 90];
    const shared = (len: number) => pool.alloc(len, 'float32') as Float32Array;
    const a = shared(m * k);
    const b = shared(k * n);
    const out = shared(m * n);
    const ref = new Float32Array(m * n);
    const task = pool.plan(MATMUL, { a, b, out, m, n, k, transA: false, transB: false }, m, undefined, 9);
    for (let run = 0; run < 3; run++) {
      a.set(rng.normalArray(m * k));
      b.set(rng.normalArray(k * n));
      // A piece left out (or a counter not reset between runs) would leave NaN behind.
      out.fill(Number.NaN);
      task.run();
      matmul({ a, b, out: ref, m, n, k, transA: false, transB: false });
      expect(firstDifference(out, ref), `run ${run}`).toBe(-1);
    }
    task.release();
    for (const v of [a, b, out]) pool.free(v);
    pool.close();
  });

  it('only products of 2^30 multiply-adds or more are shared, in pieces of whole 3-row tiles', () => {
    expect(sharedRows([1024, 16384, 768], 2)).toBe(258);
    expect(sharedRows([256, 784, 64], 2)).toBeUndefined();
    expect(sharedRows([4, 2 ** 20, 2 ** 10], 2)).toBe(3);
    expect(sharedRows([3, 2 ** 20, 2 ** 10], 2)).toBeUndefined(); // one tile: nothing to share
  });
});
