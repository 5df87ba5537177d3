import {
  maskedMatmul,
  maskedPairHalves,
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
    () => matmul(x, wEnc, out, 256, 64, 784, false, false),
    sparse(x, wEnc, out, 256, 64, 784, false, false),
  );
  add(
    'h·W_dec',
    hDensity,
    () => matmul(h, wDec, out, 256, 784, 64, false, false),
    sparse(h, wDec, out, 256, 784, 64, false, false),
  );
  add(
    'hᵀ·g',
    hDensity,
    () => matmul(h, g, out, 64, 784, 256, true, false),
    sparse(h, g, out, 64, 784, 256, true, false),
  );
  add(
    'g·W_decᵀ',
    `mask ${HIDDEN_DENSITY * 100}%`,
    () => matmul(g, wDec, out, 256, 64, 784, false, true),
    () => maskedMatmul(g, wDec, dPre, 0, out, 256, 64, 784),
  );
  add(
    'xᵀ·δ',
    xDensity,
    () => matmul(x, dPre, out, 784, 64, 256, true, false),
    sparse(x, dPre, out, 784, 64, 256, true, false),
  );
  // What the step runs for it: both operands sparse (kernels/outer-matmul.ts).
  add(
    'xᵀ·δ',
    `${xDensity}, δ ${HIDDEN_DENSITY * 100}%`,
    () => matmul(x, dPre, out, 784, 64, 256, true, false),
    () => {
      if (!tryOuterMatmul(x, dPre, out, 784, 64, 256)) throw new Error('bench: the outer kernel declined');
    },
  );
  process.stdout.write(
    `\nsparse kernels, float32, single thread (median ms per call; dense = the packed kernel on the same data)\n${formatTable(
      ['product', 'non-zero', 'dense ms', 'sparse ms', 'speed-up'],
      rows.map((r) => [r.product, r.sparsity, r.denseMs, r.sparseMs, r.speedup]),
    )}\n`,
  );
  // What the step runs for g·W_decᵀ and hᵀ·g on up to two threads: one pass over g for both
  // (kernels/masked-pair.ts), against the masked and zero-skipping kernels apart. h = relu(pre).
  const hOfPre = dPre.map((v) => Math.max(v, 0));
  const out2 = new Float32Array(64 * 784);
  const part = new Float64Array(2 * 64 * 784);
  const apartMs = timeMs(() => {
    maskedMatmul(g, wDec, dPre, 0, out, 256, 64, 784);
    if (!trySparseMatmul(hOfPre, g, out2, 64, 784, 256, true, false))
      throw new Error('bench: the sparse kernel declined');
  });
  const pairMs = timeMs(() => {
    maskedPairHalves(g, wDec, dPre, 0, hOfPre, out, part, 256, 64, 784, 0, 2);
    sumPartials(part, out2, 64 * 784, 0, 64 * 784);
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
