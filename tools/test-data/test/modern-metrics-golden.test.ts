import { join } from 'node:path';
import {
  evaluate,
  geometricMedian,
  SaeBenchAccumulator,
  type SaeBenchMetrics,
  type SaeConfig,
  type SaeParams,
  saeBenchMetrics,
} from '@saekit/core';
import { compareTensors, createReferenceBackend, formatComparisons } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { readGoldenDoc, resolveGoldenDir } from '../src/index.js';

// core's SAEBench metrics and geometric median against the PyTorch cases of golden/modern. Here
// rather than in core, whose tests cannot depend on this package (it depends on core).
const dir = join(resolveGoldenDir().dir ?? '', 'modern');
type Doc = {
  params: Record<'W_enc' | 'b_enc' | 'W_dec' | 'b_dec', Float32Array>;
  batch: Float32Array;
  config: { d_in: number; d_sae: number };
  expect: {
    metrics: Record<string, number>;
    densityBuckets: Record<'zero' | 'upTo1pct' | 'over1to10pct' | 'over10pct', number>;
    featureDensity: Float32Array;
    hidden: Float32Array;
    recon: Float32Array;
  };
};
const doc = readGoldenDoc(dir, 'metrics-13x24-b157') as unknown as Doc;
const D = doc.config.d_in;
const H = doc.config.d_sae;
const N = doc.batch.length / D;

/** Every scalar metric of the case within the README's bound (dead_count exactly), plus the densities. */
function check(m: SaeBenchMetrics): void {
  const want = doc.expect.metrics;
  const got = m as unknown as Record<string, number>;
  const res = Object.keys(want).map((k) => compareTensors(k, [got[k]], [want[k]]));
  expect(res.length).toBe(16);
  expect(
    res.filter((r) => !r.pass),
    formatComparisons(res),
  ).toEqual([]);
  expect(m.dead_count).toBe(want.dead_count);
  expect(m.n).toBe(157);
  expect(compareTensors('featureDensity', m.featureDensity, doc.expect.featureDensity).pass).toBe(true);
  const b = doc.expect.densityBuckets;
  const d = m.featureDensity;
  expect([
    d.filter((v) => v === 0).length,
    d.filter((v) => v > 0 && v <= 0.01).length,
    d.filter((v) => v > 0.01 && v <= 0.1).length,
    d.filter((v) => v > 0.1).length,
  ]).toEqual([b.zero, b.upTo1pct, b.over1to10pct, b.over10pct]);
}

describe('SAEBench core metrics against PyTorch (metrics-13x24-b157)', () => {
  it('from the rows in one batch', () => {
    check(saeBenchMetrics(doc.batch, doc.expect.hidden, doc.expect.recon, N, D));
  });

  it('streamed in uneven batches (10 rows, the last of 7), the dataset mean given', () => {
    const mean = new Float64Array(D);
    for (let i = 0; i < N; i++) for (let d = 0; d < D; d++) mean[d] += doc.batch[i * D + d] / N;
    const acc = new SaeBenchAccumulator(D, H, mean);
    for (let s = 0; s < N; s += 10) {
      const r = Math.min(10, N - s);
      acc.add(
        doc.batch.subarray(s * D, (s + r) * D),
        doc.expect.hidden.subarray(s * H, (s + r) * H),
        doc.expect.recon.subarray(s * D, (s + r) * D),
        r,
      );
    }
    const m = acc.result();
    expect(m.explained_variance_legacy_mean).toBe('dataset');
    check(m);
  });

  it("from evaluate(): the model's own forward pass on float32 (b_dec folded into b_enc)", async () => {
    // pre = (x − b_dec) W_enc + b_enc = x W_enc + (b_enc − b_dec W_enc): today's relu encoder.
    const p = doc.params;
    const bEnc = new Float32Array(H);
    for (let j = 0; j < H; j++) {
      let s = p.b_enc[j];
      for (let d = 0; d < D; d++) s -= p.b_dec[d] * p.W_enc[d * H + j];
      bEnc[j] = s;
    }
    const config: SaeConfig = {
      inputDim: D,
      hiddenDim: H,
      encoder: 'relu',
      decoder: 'identity',
      sparsity: { kind: 'none' },
    };
    const params: SaeParams = { ...p, b_enc: bEnc };
    const data = { name: 'golden', x: doc.batch, n: N, dim: D };
    const m = await evaluate(createReferenceBackend({ float32: true }), config, params, data, {
      batchSize: 40,
    });
    check(m.saebench);
    // The classic fields from the same pass: fvu is the same quantity, mse per element not per row.
    expect(m.fvu).toBeCloseTo(doc.expect.metrics.fvu, 4);
    expect(m.mse * D).toBeCloseTo(doc.expect.metrics.mse, 4);
    expect(m.deadUnits).toBe(doc.expect.metrics.dead_count);
  });
});

describe('geometric median against PyTorch (geomedian-13-n25)', () => {
  const g = readGoldenDoc(dir, 'geomedian-13-n25') as unknown as {
    batch: Float32Array;
    config: { max_iter: number; tol: number };
    expect: {
      median: Float32Array;
      mean: Float32Array;
      iterations: number;
      converged: boolean;
      stepNormPerIteration: number[];
      objective: number;
    };
  };
  const r = geometricMedian(g.batch, 13, { maxIter: g.config.max_iter, tol: g.config.tol });

  it('takes the same number of Weiszfeld updates and stops on the tolerance', () => {
    expect(r.iterations).toBe(g.expect.iterations);
    expect(r.converged).toBe(g.expect.converged);
    expect(r.stop).toBe('tol');
  });

  it('reaches the same median, with the same step norms and objective', () => {
    const objective = (m: ArrayLike<number>) => {
      let s = 0;
      for (let j = 0; j < 25; j++) {
        let q = 0;
        for (let d = 0; d < 13; d++) q += (g.batch[j * 13 + d] - m[d]) ** 2;
        s += Math.sqrt(q);
      }
      return s;
    };
    const res = [
      compareTensors('median', r.median, g.expect.median),
      compareTensors('stepNormPerIteration', r.stepNorms, g.expect.stepNormPerIteration),
      compareTensors('objective', [objective(r.median)], [g.expect.objective]),
    ];
    expect(
      res.filter((c) => !c.pass),
      formatComparisons(res),
    ).toEqual([]);
  });

  it('stops after maxIter without converging, and at once on identical rows', () => {
    const capped = geometricMedian(g.batch, 13, { maxIter: 3, tol: g.config.tol });
    expect([capped.iterations, capped.converged, capped.stop]).toEqual([3, false, 'max-iter']);
    expect(capped.stepNorms).toEqual(r.stepNorms.slice(0, 3));
    const same = geometricMedian(Float32Array.from([1, 2, 1, 2, 1, 2]), 2);
    expect([same.stop, same.iterations, Array.from(same.median)]).toEqual(['at-point', 0, [1, 2]]);
  });

  it('names what is wrong with bad input', () => {
    expect(() => geometricMedian([1, 2, 3], 2)).toThrow(/3 values are not a whole number/);
    expect(() => geometricMedian([1, Number.NaN], 2)).toThrow(/row 0, column 1 is NaN/);
  });
});
