import type { Backend } from '../backend.js';
import type { BatchStream } from './batch-stream.js';
import type { AnySaeConfig } from './config.js';
import { ForwardRunner } from './inference.js';
import type { SaeMetrics } from './metrics.js';
import { SaeMetricsAccumulator } from './metrics-accumulator.js';
import type { SaeParams } from './params.js';

/**
 * `evaluate` over rows that need not fit in memory: two epochs of a stream, the first for the
 * column mean (float64; FVU and explained variance are about it), the second through the model a
 * batch at a time. Memory is one batch, whatever the number of rows. The stream must be at the
 * start of an epoch, and is left at the start of the one after the second; the caller closes it.
 * The same metrics as `evaluate` on the same rows, to float rounding (SAEBench's moments are
 * merged per batch, so other batch boundaries round differently).
 */
export async function evaluateStream(
  backend: Backend,
  config: AnySaeConfig,
  params: SaeParams,
  stream: BatchStream,
  opts: { batchSize?: number } = {},
): Promise<SaeMetrics> {
  const D = config.inputDim;
  if (stream.dim !== D)
    throw new Error(`evaluate: dataset ${stream.name} has dim ${stream.dim}, the model takes ${D}`);
  const at = stream.position().cursor;
  if (at !== 0)
    throw new RangeError(
      `evaluateStream: ${stream.name} is at row ${at} of an epoch; it must be at the start of one`,
    );
  const B = Math.max(1, Math.min(opts.batchSize ?? 1000, stream.rowsPerEpoch));
  const buf = new Float32Array(B * D);
  const sum = new Float64Array(D);
  let n = 0;
  for (let rows = await stream.nextBatch(buf); rows > 0; rows = await stream.nextBatch(buf)) {
    for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) sum[d] += buf[r * D + d];
    n += rows;
  }
  if (n === 0) throw new Error(`evaluate: dataset ${stream.name} is empty`);
  for (let d = 0; d < D; d++) sum[d] /= n;
  const acc = new SaeMetricsAccumulator(config, params, sum);
  const runner = await ForwardRunner.create(backend, config, params, B);
  try {
    let seen = 0;
    for (let rows = await stream.nextBatch(buf); rows > 0; rows = await stream.nextBatch(buf)) {
      await runner.stream(buf.subarray(0, rows * D), rows, (b) => acc.add(b));
      seen += rows;
    }
    if (seen !== n)
      throw new Error(`evaluate: ${stream.name} gave ${n} rows in its first pass and ${seen} in its second`);
  } finally {
    runner.dispose();
  }
  return acc.result();
}
