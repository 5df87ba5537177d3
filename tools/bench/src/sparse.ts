import {
  maskedMatmul,
  maskedPairParts,
  matmul,
  sumPartials,
  tryOuterMatmul,
  trySparseMatmul,
} from '@saekit/backend-cpu';
import { Rng } from '@saekit/core';
import { benchData } from './data.js';
import { formatTable } from './table.js';

/** One row: a product of the seed step at realistic sparsity, the packed dense kernel against the sparse one. */
export interface SparseBenchRow {
  product: string;
  /** What is sparse, and how much of it is non-zero. */
  sparsity: string;
  denseMs: number;
  sparseMs: number;
  /** denseMs / sparseMs. */
  speedup: number;
}

/** ReLU codes of the seed model after its first few dozen steps have about this many units on. */
const HIDDEN_DENSITY = 0.25;

/**
 * The CPU backend's zero-skipping, masked and outer-product kernels (single thread) on the seed step's products
 * with an MNIST batch and ReLU codes at the density training reaches within its first steps,
 * against the packed dense kernel on the same data.
 */
export async function benchSparse(): Promise<SparseBenchRow[]> {
  const rng = new Rng(5);
  const { x: xAll, source } = await benchData(256);
  const x = xAll.subarray(0, 256 * 784);
  const dense = (n: number) => Float32Array.from(rng.normalArray(n));
  const code = (n: number) => {
    const h = new Float32Array(n);
    for (let i = 0; i < n; i++) if (rng.uniform() < HIDDEN_DENSITY) h[i] = rng.uniform();
    return h;
  };
  let nz = 0;
  for (const v of x) nz += v !== 0 ? 1 : 0;
  const xDensity = `x ${((100 * nz) / x.length).toFixed(0)}% (${source})`;
  const hDensity = `h ${HIDDEN_DENSITY * 100}%`;
  const h = code(256 * 64);
  const wEnc = dense(784 * 64);
  const wDec = dense(64 * 784);
  const g = dense(256 * 784);
  const dPre = code(256 * 64);
  const out = new Float32Array(784 * 784);
  const rows: SparseBenchRow[] = [];
  const add = (product: string, sparsity: string, denseFn: () => void, sparseFn: () => void) => {
    const denseMs = timeMs(denseFn);
    const sparseMs = timeMs(sparseFn);
    rows.push({ product, sparsity, denseMs, sparseMs, speedup: denseMs / sparseMs });
  };
  const sparse =
    (...args: Parameters<typeof trySparseMatmul>) =>
    () => {
      if (!trySparseMatmul(...args)) throw new Error('bench: the sparse kernel declined');
    };
  add(
    'x·W_enc',
    xDensity,
    () => matmul({ a: x, b: wEnc, out, m: 256, n: 64, k: 784, transA: false, transB: false }),
    sparse({ a: x, b: wEnc, out, m: 256, n: 64, k: 784, transA: false, transB: false }),
  );
  add(
    'h·W_dec',
    hDensity,
    () => matmul({ a: h, b: wDec, out, m: 256, n: 784, k: 64, transA: false, transB: false }),
    sparse({ a: h, b: wDec, out, m: 256, n: 784, k: 64, transA: false, transB: false }),
  );
  add(
    'hᵀ·g',
    hDensity,
    () => matmul({ a: h, b: g, out, m: 64, n: 784, k: 256, transA: true, transB: false }),
    sparse({ a: h, b: g, out, m: 64, n: 784, k: 256, transA: true, transB: false }),
  );
  add(
    'g·W_decᵀ',
    `mask ${HIDDEN_DENSITY * 100}%`,
    () => matmul({ a: g, b: wDec, out, m: 256, n: 64, k: 784, transA: false, transB: true }),
    () => maskedMatmul({ a: g, b: wDec, p: dPre, threshold: 0, out, m: 256, n: 64, k: 784 }),
  );
  add(
    'xᵀ·δ',
    xDensity,
    () => matmul({ a: x, b: dPre, out, m: 784, n: 64, k: 256, transA: true, transB: false }),
    sparse({ a: x, b: dPre, out, m: 784, n: 64, k: 256, transA: true, transB: false }),
  );
  // What the step runs for it: both operands sparse (kernels/outer-matmul.ts).
  add(
    'xᵀ·δ',
    `${xDensity}, δ ${HIDDEN_DENSITY * 100}%`,
    () => matmul({ a: x, b: dPre, out, m: 784, n: 64, k: 256, transA: true, transB: false }),
    () => {
      if (!tryOuterMatmul({ a: x, b: dPre, out, m: 784, n: 64, k: 256, transA: true, transB: false }))
        throw new Error('bench: the outer kernel declined');
    },
  );
  process.stdout.write(
    `\nsparse kernels, float32, single thread (median ms per call; dense = the packed kernel on the same data)\n${formatTable(
      ['product', 'non-zero', 'dense ms', 'sparse ms', 'speed-up'],
      rows.map((r) => [r.product, r.sparsity, r.denseMs, r.sparseMs, r.speedup]),
    )}\n`,
  );
  // What the step runs for g·W_decᵀ and hᵀ·g: one pass over g for both
  // (kernels/masked-pair.ts), against the masked and zero-skipping kernels apart. h = relu(pre).
  const hOfPre = dPre.map((v) => Math.max(v, 0));
  const out2 = new Float32Array(64 * 784);
  const part = new Float64Array(2 * 64 * 784);
  const apartMs = timeMs(() => {
    maskedMatmul({ a: g, b: wDec, p: dPre, threshold: 0, out, m: 256, n: 64, k: 784 });
    if (!trySparseMatmul({ a: hOfPre, b: g, out: out2, m: 64, n: 784, k: 256, transA: true, transB: false }))
      throw new Error('bench: the sparse kernel declined');
  });
  const pairMs = timeMs(() => {
    maskedPairParts(
      { a: g, b: wDec, p: dPre, threshold: 0, h: hOfPre, out1: out, part, m: 256, n: 64, k: 784 },
      0,
      2,
    );
    sumPartials({ part, out: out2, len: 64 * 784, parts: 2 }, 0, 64 * 784);
  });
  process.stdout.write(
    `\ng·W_decᵀ (mask ${HIDDEN_DENSITY * 100}%) with hᵀ·g, single thread: the two kernels apart ${apartMs.toFixed(3)} ms, the masked pair ${pairMs.toFixed(3)} ms (${(pairMs / apartMs).toFixed(2)}×)\n`,
  );
  return rows;
}

/** Median ms per call of 9 repeats of at least 60 ms each, after 200 ms of warm-up. */
function timeMs(fn: () => void): number {
  const start = performance.now();
  while (performance.now() - start < 200) fn();
  const samples: number[] = [];
  for (let r = 0; r < 9; r++) {
    let calls = 0;
    const t0 = performance.now();
    do {
      fn();
      calls++;
    } while (performance.now() - t0 < 60);
    samples.push((performance.now() - t0) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[4];
}
