import type { Backend } from '../backend.js';
import type { SaeConfig } from './config.js';
import { buildForwardGraph } from './graphs.js';
import type { SaeParams } from './params.js';

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
 * Runs the model over `n` examples in batches of one compiled size; the last partial batch is
 * zero-padded, and `rows` says how many rows are real. The parameters stay on the backend.
 */
export async function streamForward(
  backend: Backend,
  config: SaeConfig,
  params: SaeParams,
  x: Float32Array,
  n: number,
  onBatch: (b: ForwardBatch) => void,
  batchSize = 1000,
): Promise<void> {
  const D = config.inputDim;
  if (x.length !== n * D)
    throw new RangeError(`forward: ${x.length} values are not ${n} examples of ${D} features`);
  if (n === 0) return;
  const B = Math.min(batchSize, n);
  const exe = await backend.compile(buildForwardGraph(config, B), { state: { ...params } });
  try {
    const xb = new Float32Array(B * D);
    for (let start = 0; start < n; start += B) {
      const rows = Math.min(B, n - start);
      xb.set(x.subarray(start * D, (start + rows) * D));
      if (rows < B) xb.fill(0, rows * D);
      const out = await exe.run({ x: xb });
      onBatch({ x: xb, hidden: out.hidden, recon: out.recon, start, rows });
    }
  } finally {
    exe.dispose();
  }
}

/**
 * Hidden activations [n, hiddenDim] and/or reconstructions [n, inputDim] of every example; only
 * the outputs asked for are kept (the reconstructions of 60,000 MNIST images are 188 MB).
 */
export async function forwardDataset<K extends 'hidden' | 'recon'>(
  backend: Backend,
  config: SaeConfig,
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
