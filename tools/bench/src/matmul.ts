import { denseProductTask, matmul } from '@saekit/backend-cpu';
import { Rng } from '@saekit/core';
import { formatTable } from './table.js';

type FloatArray = Float32Array | Float64Array;

/** One row of the matmul benchmark: the CPU backend's kernel against a naive triple loop on the same data. */
export interface MatmulBenchRow {
  /** The product in the seed model's training step, e.g. `x·W_enc`. */
  product: string;
  /** Where it occurs, e.g. `forward encoder`. */
  role: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
  dtype: 'float32' | 'float64';
  /** Floating-point operations per call: 2·m·n·k. */
  flops: number;
  /** Median milliseconds per call. */
  kernelMs: number;
  naiveMs: number;
  kernelGflops: number;
  naiveGflops: number;
  /** naiveMs / kernelMs. */
  speedup: number;
  /** max |kernel − naive| / max |naive| (a sanity check that the kernel computed the same product). */
  relError: number;
}

export interface MatmulBenchOptions {
  /** Print the rows as JSON instead of a table. */
  json?: boolean;
  /** Element type of the operands (default float32, what training uses). */
  dtype?: 'float32' | 'float64';
  /** Timed repeats per function; the median is reported (default 7). */
  repeats?: number;
  /** Minimum duration of one repeat, in ms; a repeat runs as many calls as fit (default 75). */
  repeatMs?: number;
  /** Untimed warm-up per function, in ms, so V8 has optimized it (default 300). */
  warmupMs?: number;
}

interface Product {
  product: string;
  role: string;
  m: number;
  k: number;
  n: number;
  transA: boolean;
  transB: boolean;
}

/** The five matrix products of one training step of the seed model (batch 256, 784 → 64 → 784). */
export const SEED_MATMULS: readonly Product[] = [
  { product: 'x·W_enc', role: 'forward encoder', m: 256, k: 784, n: 64, transA: false, transB: false },
  { product: 'h·W_dec', role: 'forward decoder', m: 256, k: 64, n: 784, transA: false, transB: false },
  { product: 'hᵀ·g', role: 'grad of W_dec', m: 64, k: 256, n: 784, transA: true, transB: false },
  { product: 'g·W_decᵀ', role: 'grad into h', m: 256, k: 784, n: 64, transA: false, transB: true },
  { product: 'xᵀ·δ', role: 'grad of W_enc', m: 784, k: 256, n: 64, transA: true, transB: false },
];

/**
 * Benchmarks the CPU backend's matmul kernel on the seed model's five training-step products,
 * single-threaded, against a naive triple loop run on the same data in the same process.
 */
export async function benchMatmul(opts: MatmulBenchOptions = {}): Promise<MatmulBenchRow[]> {
  const dtype = opts.dtype ?? 'float32';
  const repeats = opts.repeats ?? 7;
  const repeatMs = opts.repeatMs ?? 75;
  const warmupMs = opts.warmupMs ?? 300;
  const T = dtype === 'float64' ? Float64Array : Float32Array;
  const rng = new Rng(20240607);
  const rows: MatmulBenchRow[] = [];
  for (const p of SEED_MATMULS) {
    const { m, k, n, transA, transB } = p;
    const a = new T(m * k);
    const b = new T(k * n);
    for (let i = 0; i < a.length; i++) a[i] = rng.normal();
    for (let i = 0; i < b.length; i++) b[i] = rng.normal();
    const outKernel = new T(m * n);
    const outNaive = new T(m * n);
    const kernel = () => matmul({ a, b, out: outKernel, m, n, k, transA, transB });
    const naive = () => naiveMatmul(a, b, outNaive, m, n, k, transA, transB);
    const kernelMs = await timeMedian(kernel, warmupMs, repeats, repeatMs);
    const naiveMs = await timeMedian(naive, warmupMs, repeats, repeatMs);
    const flops = 2 * m * n * k;
    rows.push({
      ...p,
      dtype,
      flops,
      kernelMs,
      naiveMs,
      kernelGflops: flops / (kernelMs * 1e6),
      naiveGflops: flops / (naiveMs * 1e6),
      speedup: naiveMs / kernelMs,
      relError: relError(outKernel, outNaive),
    });
  }
  if (opts.json) console.log(JSON.stringify(rows, null, 2));
  else console.log(formatMatmulTable(rows, { repeats, repeatMs }));
  return rows;
}

/** The rows as an aligned text table. */
export function formatMatmulTable(
  rows: readonly MatmulBenchRow[],
  how: { repeats: number; repeatMs: number },
): string {
  const head = ['product', 'm×k×n', 'trans', 'kernel GFLOP/s', 'naive GFLOP/s', 'speed-up', 'kernel ms'];
  const body = rows.map((r) => [
    r.product,
    `${r.m}×${r.k}×${r.n}`,
    (r.transA ? 'A' : '') + (r.transB ? 'B' : '') || '-',
    r.kernelGflops.toFixed(2),
    r.naiveGflops.toFixed(2),
    `${r.speedup.toFixed(1)}×`,
    r.kernelMs.toFixed(3),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const dtype = rows[0]?.dtype ?? 'float32';
  return [
    `matmul, ${dtype}, single thread, median of ${how.repeats} repeats of ≥ ${how.repeatMs} ms`,
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
  ].join('\n');
}

/**
 * The textbook i-j-p triple loop with one float64 accumulator per output (transposes handled by strides),
 * the baseline the kernel is measured against.
 */
export function naiveMatmul(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): void {
  const ai = transA ? 1 : k;
  const ap = transA ? m : 1;
  const bp = transB ? 1 : n;
  const bj = transB ? k : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * ai + p * ap] * b[p * bp + j * bj];
      out[i * n + j] = s;
    }
  }
}

/** Median ms per call over `repeats` repeats, each running calls until at least `repeatMs` has passed. */
async function timeMedian(
  fn: () => void,
  warmupMs: number,
  repeats: number,
  repeatMs: number,
): Promise<number> {
  const start = performance.now();
  for (let calls = 0; calls < 3 || performance.now() - start < warmupMs; calls++) fn();
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // Yield between repeats so a long benchmark does not starve the event loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    let calls = 0;
    const t0 = performance.now();
    let elapsed: number;
    do {
      fn();
      calls++;
      elapsed = performance.now() - t0;
    } while (elapsed < repeatMs);
    samples.push(elapsed / calls);
  }
  samples.sort((x, y) => x - y);
  const mid = samples.length >> 1;
  return samples.length % 2 ? samples[mid] : (samples[mid - 1] + samples[mid]) / 2;
}

function relError(got: FloatArray, want: FloatArray): number {
  let scale = 0;
  let err = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    err = Math.max(err, Math.abs(got[i] - want[i]));
  }
  return scale > 0 ? err / scale : err;
}

/** One variant of the Strassen A/B: the scale encoder product with `levels` of Strassen (0: classical). */
export interface StrassenBenchRow {
  levels: number;
  /** Median ms of the whole product over the rounds, and each round's. */
  ms: number;
  rounds: number[];
  /** 2·m·n·k / time: the classical product's flops, so variants compare directly. */
  gflops: number;
  /** max |out − classical| / max |classical|. */
  relToClassical: number;
}

/**
 * The TopK SAE's dense encoder product at `pnpm bench scale`'s shape, x·W_enc [1024,768]·[768,16384],
 * on the CPU backend's pool exactly as a training step splits it: classical against 1 and 2 levels of
 * Strassen, alternating run by run in one process (so load from other processes hits all alike).
 */
export async function benchStrassen(
  opts: { rounds?: number; threads?: number; m?: number; k?: number; n?: number; json?: boolean } = {},
): Promise<StrassenBenchRow[]> {
  const { rounds = 7, m = 1024, k = 768, n = 16384 } = opts;
  const task = denseProductTask(m, n, k, opts.threads);
  try {
    const rng = new Rng(20240607);
    task.a.set(rng.normalArray(m * k));
    task.b.set(rng.normalArray(k * n));
    const variants = [0, 1, 2];
    const times = variants.map((): number[] => []);
    const outs = variants.map((levels) => {
      task.run(levels); // warm-up, and the values each variant gives
      return Float32Array.from(task.out);
    });
    for (let r = 0; r < rounds; r++) {
      for (let v = 0; v < variants.length; v++) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        const t0 = performance.now();
        task.run(variants[v]);
        times[v].push(performance.now() - t0);
      }
    }
    const rows = variants.map((levels, v): StrassenBenchRow => {
      const ms = [...times[v]].sort((x, y) => x - y)[times[v].length >> 1];
      return {
        levels,
        ms,
        rounds: times[v],
        gflops: (2 * m * n * k) / (ms * 1e6),
        relToClassical: relError(outs[v], outs[0]),
      };
    });
    if (opts.json) console.log(JSON.stringify(rows, null, 2));
    else {
      console.log(
        `dense encoder product [${m},${k}]·[${k},${n}], float32, cpu backend pool, median of ${rounds} alternating rounds`,
      );
      console.log(
        formatTable(
          ['kernel', 'ms', 'rounds (ms)', 'GFLOP/s (classical flops)', 'rel. diff to classical'],
          rows.map((r) => [
            r.levels ? `strassen ${r.levels} level${r.levels > 1 ? 's' : ''}` : 'classical',
            r.ms.toFixed(1),
            r.rounds.map((x) => x.toFixed(0)).join(' '),
            r.gflops.toFixed(2),
            r.relToClassical.toExponential(2),
          ]),
        ),
      );
    }
    return rows;
  } finally {
    task.close();
  }
}
