import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BatchStreamPosition } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import {
  ActivationStream,
  NormalisedStream,
  normaliseDataset,
  openActivations,
  sampleNorms,
} from '../src/index.js';
import { npyF32, useTempDirs } from './helpers/activations.js';

// 100 rows of 8: x[i, d] = sin(7i + 3d)·(1 + i mod 5) in float32, row 13 × 50 (an outlier). The
// expected norms are NumPy's (np.linalg.norm over float64 copies, np.median):
const NUMPY = { median: 4.81762521073595, mean: 8.97491683358437, meanWithin3Medians: 5.656334689838909 };
const N = 100;
const D = 8;
const tempDir = useTempDirs();

async function set() {
  const x = new Float32Array(N * D);
  for (let i = 0; i < N; i++)
    for (let d = 0; d < D; d++) x[i * D + d] = Math.sin(i * 7 + d * 3) * (1 + (i % 5));
  for (let d = 0; d < D; d++) x[13 * D + d] *= 50;
  const path = join(await tempDir(), 'x.npy');
  await writeFile(path, npyF32(x, N, D));
  return { set: await openActivations(path), x };
}

describe('input norms and normalisation', () => {
  it('sampleNorms over all rows gives NumPy’s mean and median norm, and the mean within k × median', async () => {
    const { set: s } = await set();
    const all = await sampleNorms(s, { sampleRows: N, chunkRows: 7 });
    expect(all.rows).toBe(N);
    expect(all.medianNorm).toBeCloseTo(NUMPY.median, 6);
    expect(all.meanNorm).toBeCloseTo(NUMPY.mean, 6);
    const capped = await sampleNorms(s, { sampleRows: N, maxNormOfMedian: 3 });
    expect(capped.meanNorm).toBeCloseTo(NUMPY.meanWithin3Medians, 6);
  });

  it('NormalisedStream scales, leaves out and counts outliers, and continues from its position', async () => {
    const { set: s, x } = await set();
    const opts = { scale: 0.5, maxNorm: 3 * NUMPY.median };
    const open = (pos?: BatchStreamPosition) =>
      new NormalisedStream(
        new ActivationStream(s, { seed: 1, bufferRows: 32, chunkRows: 8, ...(pos ? { position: pos } : {}) }),
        opts,
        pos,
      );
    const a = open();
    const buf = new Float32Array(10 * D);
    const seen: number[][] = [];
    let rows = 0;
    let pos = a.position();
    for (let b = 0; ; b++) {
      const n = await a.nextBatch(buf);
      if (n === 0) break;
      rows += n;
      for (let r = 0; r < n; r++) seen.push(Array.from(buf.subarray(r * D, r * D + D)));
      if (b === 4) pos = a.position();
    }
    expect(rows).toBe(N - 1);
    expect(a.excluded).toBe(1);
    // Every kept row is a row of x times 0.5, each once; row 13 is not among them.
    const key = (v: ArrayLike<number>) => Array.from(v, (t) => t.toFixed(4)).join(',');
    const want = new Set<string>();
    for (let i = 0; i < N; i++)
      if (i !== 13) want.add(key(Array.from(x.subarray(i * D, i * D + D), (t) => Math.fround(t * 0.5))));
    expect(new Set(seen.map(key))).toEqual(want);
    // Reopened at the position after 5 batches: the same rows follow, and the count carries on.
    const b2 = open(pos);
    const rest: number[][] = [];
    for (;;) {
      const n = await b2.nextBatch(buf);
      if (n === 0) break;
      for (let r = 0; r < n; r++) rest.push(Array.from(buf.subarray(r * D, r * D + D)));
    }
    expect(rest).toEqual(seen.slice(seen.length - rest.length));
    expect(b2.excluded).toBe(1);
  });

  it('normaliseDataset does the same to rows in memory', () => {
    const x = Float32Array.of(3, 4, 30, 40, 0.3, 0.4);
    const r = normaliseDataset({ name: 'm', n: 3, dim: 2, x }, { scale: 2, maxNorm: 10 });
    expect(r.excluded).toBe(1);
    expect(Array.from(r.data.x)).toEqual([6, 8, Math.fround(0.3) * 2, Math.fround(0.4) * 2].map(Math.fround));
  });
});
