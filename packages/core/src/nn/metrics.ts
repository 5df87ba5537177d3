import type { Backend } from '../backend.js';
import type { AnySaeConfig } from './config.js';
import type { Dataset } from './dataset.js';
import { type ForwardBatch, type ForwardRunner, streamForward } from './inference.js';
import { type PenaltyKind, SaeMetricsAccumulator } from './metrics-accumulator.js';
import type { SaeParams } from './params.js';
import { columnMean, type SaeBenchMetrics } from './saebench-metrics.js';

export { klDivergence, type PenaltyKind } from './metrics-accumulator.js';

/** What a trained SAE does on a dataset. */
export interface SaeMetrics {
  /** Mean over all elements of (x - x̂)². */
  readonly mse: number;
  /**
   * The config's penalty on this dataset (KL on the dataset-mean activation; L1 per example; the
   * modern recipes' sparsity part: standard's Σ|h_i|·‖W_dec,i‖ and jumprelu's L0, per example).
   */
  readonly penalty: number;
  readonly penaltyKind: PenaltyKind;
  /** mse + weight · penalty. */
  readonly total: number;
  /** Mean number of active (> 0) hidden units per example. */
  readonly l0: number;
  /** Fraction of variance unexplained: Σ(x − x̂)² / Σ(x − x̄)², x̄ the per-feature mean. */
  readonly fvu: number;
  /** Hidden units never active on the dataset. */
  readonly deadUnits: number;
  /** Mean activation of each hidden unit over the dataset. */
  readonly meanActivation: number[];
  /** The same pass under SAEBench's `core` names (its `mse` is per example, summed over dimensions). */
  readonly saebench: SaeBenchMetrics;
}

/**
 * Runs the model over a dataset in batches on a backend and accumulates the metrics in float64.
 * The last partial batch is padded with zero rows that are left out of every sum.
 */
export async function evaluate(
  backend: Backend,
  config: AnySaeConfig,
  params: SaeParams,
  data: Dataset,
  opts: { batchSize?: number; runner?: ForwardRunner } = {},
): Promise<SaeMetrics> {
  const D = config.inputDim;
  if (data.dim !== D)
    throw new Error(`evaluate: dataset ${data.name} has dim ${data.dim}, the model takes ${D}`);
  if (data.n === 0) throw new Error(`evaluate: dataset ${data.name} is empty`);
  const acc = new SaeMetricsAccumulator(config, params, columnMean(data.x, data.n, D));
  const onBatch = (b: ForwardBatch) => acc.add(b);
  if (opts.runner) {
    opts.runner.setParams(params);
    await opts.runner.stream(data.x, data.n, onBatch);
  } else await streamForward(backend, config, params, data.x, data.n, onBatch, opts.batchSize);
  return acc.result();
}

/**
 * For each true feature (a row of `dictionary`, [F, D]), the best cosine with any learned decoder
 * row (W_dec, [H, D]): how well that feature was recovered.
 */
export function maxCosinePerFeature(
  dictionary: Float32Array,
  numFeatures: number,
  wDec: Float32Array,
  hidden: number,
): Float64Array {
  const D = dictionary.length / numFeatures;
  if (!Number.isInteger(D) || wDec.length !== hidden * D) {
    throw new Error(
      `mmcs: dictionary [${numFeatures}, ${D}] and W_dec [${hidden}, ${wDec.length / hidden}] disagree on the input size`,
    );
  }
  const norm = (a: Float32Array, i: number) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += a[i * D + d] ** 2;
    return Math.sqrt(s) || 1;
  };
  const decNorm = Array.from({ length: hidden }, (_, h) => norm(wDec, h));
  const out = new Float64Array(numFeatures);
  for (let f = 0; f < numFeatures; f++) {
    const fn = norm(dictionary, f);
    let best = -1;
    for (let h = 0; h < hidden; h++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += dictionary[f * D + d] * wDec[h * D + d];
      best = Math.max(best, dot / (fn * decNorm[h]));
    }
    out[f] = best;
  }
  return out;
}

/**
 * Mean max cosine similarity: maxCosinePerFeature averaged over the true features. 1 means every
 * true feature was recovered by some unit.
 */
export function mmcs(
  dictionary: Float32Array,
  numFeatures: number,
  wDec: Float32Array,
  hidden: number,
): number {
  const best = maxCosinePerFeature(dictionary, numFeatures, wDec, hidden);
  return best.reduce((a, v) => a + v, 0) / numFeatures;
}
