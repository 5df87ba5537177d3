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
  if (x.length !== n * D) throw new RangeError(`forward: ${x.length} values are not ${n} examples of ${D} features`);
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

/** Hidden activations [n, hiddenDim] and reconstructions [n, inputDim] of every example. */
export async function forwardDataset(
  backend: Backend,
  config: SaeConfig,
  params: SaeParams,
  x: Float32Array,
  n: number,
  batchSize?: number,
): Promise<{ hidden: Float32Array; recon: Float32Array }> {
  const H = config.hiddenDim;
  const D = config.inputDim;
  const hidden = new Float32Array(n * H);
  const recon = new Float32Array(n * D);
  await streamForward(
    backend,
    config,
    params,
    x,
    n,
    (b) => {
      hidden.set(b.hidden.subarray(0, b.rows * H), b.start * H);
      recon.set(b.recon.subarray(0, b.rows * D), b.start * D);
    },
    batchSize,
  );
  return { hidden, recon };
}
