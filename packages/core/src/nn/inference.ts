import type { Backend, Executable } from '../backend.js';
import type { AnySaeConfig } from './config.js';
import { buildForwardGraph } from './graphs.js';
import { paramNamesOf, type SaeParams } from './params.js';

/** Rows of a batch as the model computed them; valid until the next batch. */
export interface ForwardBatch {
  readonly x: Float32Array;
  readonly hidden: Float32Array;
  readonly recon: Float32Array;
  /** Index of the batch's first example in the dataset, and how many rows are real (not padding). */
  readonly start: number;
  readonly rows: number;
}

/**
 * The forward pass compiled once for batches of one size, parameters resident on the backend:
 * run it over any number of examples, swap in new parameters between runs (the trainer evaluates
 * every epoch with one of these).
 */
export class ForwardRunner {
  private readonly xb: Float32Array;

  private constructor(
    readonly config: AnySaeConfig,
    readonly batchSize: number,
    private readonly exe: Executable,
  ) {
    this.xb = new Float32Array(batchSize * config.inputDim);
  }

  static async create(
    backend: Backend,
    config: AnySaeConfig,
    params: SaeParams,
    batchSize = 1000,
  ): Promise<ForwardRunner> {
    const exe = await backend.compile(buildForwardGraph(config, batchSize), { state: { ...params } });
    return new ForwardRunner(config, batchSize, exe);
  }

  setParams(params: SaeParams): void {
    for (const name of paramNamesOf(this.config)) {
      const v = params[name];
      if (v) this.exe.writeState(name, v);
    }
  }

  /** Calls `onBatch` for each batch of `x` ([n, inputDim]); the last one is zero-padded. */
  async stream(x: Float32Array, n: number, onBatch: (b: ForwardBatch) => void): Promise<void> {
    const D = this.config.inputDim;
    const B = this.batchSize;
    if (x.length !== n * D)
      throw new RangeError(`forward: ${x.length} values are not ${n} examples of ${D} features`);
    for (let start = 0; start < n; start += B) {
      const rows = Math.min(B, n - start);
      this.xb.set(x.subarray(start * D, (start + rows) * D));
      if (rows < B) this.xb.fill(0, rows * D);
      const out = await this.exe.run({ x: this.xb });
      onBatch({ x: this.xb, hidden: out.hidden, recon: out.recon, start, rows });
    }
  }

  dispose(): void {
    this.exe.dispose();
  }
}

/** One pass of the model over `n` examples: compiles, runs, disposes. */
export async function streamForward(
  backend: Backend,
  config: AnySaeConfig,
  params: SaeParams,
  x: Float32Array,
  n: number,
  onBatch: (b: ForwardBatch) => void,
  batchSize = 1000,
): Promise<void> {
  if (x.length !== n * config.inputDim) {
    throw new RangeError(`forward: ${x.length} values are not ${n} examples of ${config.inputDim} features`);
  }
  if (n === 0) return;
  const runner = await ForwardRunner.create(backend, config, params, Math.min(batchSize, n));
  try {
    await runner.stream(x, n, onBatch);
  } finally {
    runner.dispose();
  }
}

/**
 * Hidden activations [n, hiddenDim] and/or reconstructions [n, inputDim] of every example; only
 * the outputs asked for are kept (the reconstructions of 60,000 MNIST images are 188 MB).
 */
export async function forwardDataset<K extends 'hidden' | 'recon'>(
  backend: Backend,
  config: AnySaeConfig,
  params: SaeParams,
  x: Float32Array,
  n: number,
  outputs: readonly K[],
  batchSize?: number,
): Promise<Record<K, Float32Array>> {
  const width = { hidden: config.hiddenDim, recon: config.inputDim };
  const out = Object.fromEntries(outputs.map((k) => [k, new Float32Array(n * width[k])])) as Record<
    K,
    Float32Array
  >;
  await streamForward(
    backend,
    config,
    params,
    x,
    n,
    (b) => {
      for (const k of outputs) out[k].set(b[k].subarray(0, b.rows * width[k]), b.start * width[k]);
    },
    batchSize,
  );
  return out;
}
