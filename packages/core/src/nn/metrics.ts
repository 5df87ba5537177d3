import type { Backend } from '../backend.js';
import { type AnySaeConfig, isModernConfig } from './config.js';
import type { Dataset } from './dataset.js';
import { type ForwardBatch, type ForwardRunner, streamForward } from './inference.js';
import { KL_CLAMP } from './losses.js';
import type { SaeParams } from './params.js';
import { columnMean, SaeBenchAccumulator, type SaeBenchMetrics } from './saebench-metrics.js';

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

/** `none` also for the TopK family, whose sparsity is the top-k itself (no penalty term). */
export type PenaltyKind = 'kl' | 'l1' | 'l1-decoder-norm' | 'l0' | 'none';

/** The config's penalty as kind and weight, given per-example L1, decoder-weighted L1, L0 and mean activations. */
function penaltyOf(
  config: AnySaeConfig,
  s: { l1: number; l1Dec: number; l0: number; meanActivation: readonly number[] },
): { kind: PenaltyKind; weight: number; value: number } {
  if (isModernConfig(config)) {
    if (config.architecture === 'standard')
      return { kind: 'l1-decoder-norm', weight: config.l1Coefficient ?? 0, value: s.l1Dec };
    if (config.architecture === 'jumprelu')
      return { kind: 'l0', weight: config.l0Coefficient ?? 0, value: s.l0 };
    return { kind: 'none', weight: 0, value: 0 };
  }
  const k = config.sparsity;
  if (k.kind === 'kl')
    return { kind: 'kl', weight: k.weight, value: klDivergence(k.rho, s.meanActivation, k.clamp) };
  if (k.kind === 'l1') return { kind: 'l1', weight: k.weight, value: s.l1 };
  return { kind: 'none', weight: 0, value: 0 };
}

/** Each decoder row's L2 norm (W_dec [H, D]). */
function rowNorms(wDec: Float32Array, H: number, D: number): Float64Array {
  const out = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += wDec[j * D + d] ** 2;
    out[j] = Math.sqrt(s);
  }
  return out;
}

/** The seed's KL formula, summed over units, in float64 on already-averaged activations. */
export function klDivergence(rho: number, rhoHat: ArrayLike<number>, clamp = false): number {
  let s = 0;
  for (let j = 0; j < rhoHat.length; j++) {
    const r = clamp ? Math.min(1 - KL_CLAMP, rhoHat[j]) : rhoHat[j];
    s += rho * Math.log(rho / (r + 1e-10)) + (1 - rho) * Math.log((1 - rho) / (1 - r + 1e-10));
  }
  return s;
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
  const H = config.hiddenDim;
  if (data.dim !== D)
    throw new Error(`evaluate: dataset ${data.name} has dim ${data.dim}, the model takes ${D}`);
  if (data.n === 0) throw new Error(`evaluate: dataset ${data.name} is empty`);
  const colMean = columnMean(data.x, data.n, D);
  const bench = new SaeBenchAccumulator(D, H, colMean);

  const sumAct = new Float64Array(H);
  const everActive = new Uint8Array(H);
  let sse = 0;
  let sst = 0;
  let active = 0;
  let l1 = 0;
  let l1Dec = 0;
  const decNorm = rowNorms(params.W_dec, H, D);
  const onBatch = ({ x, hidden, recon, rows }: ForwardBatch) => {
    bench.add(x, hidden, recon, rows);
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < D; d++) {
        const v = x[r * D + d];
        const e = v - recon[r * D + d];
        const c = v - colMean[d];
        sse += e * e;
        sst += c * c;
      }
      for (let j = 0; j < H; j++) {
        const h = hidden[r * H + j];
        sumAct[j] += h;
        l1 += Math.abs(h);
        l1Dec += Math.abs(h) * decNorm[j];
        if (h > 0) {
          active++;
          everActive[j] = 1;
        }
      }
    }
  };
  if (opts.runner) {
    opts.runner.setParams(params);
    await opts.runner.stream(data.x, data.n, onBatch);
  } else await streamForward(backend, config, params, data.x, data.n, onBatch, opts.batchSize);
  const n = data.n;
  const meanActivation = Array.from(sumAct, (s) => s / n);
  const mse = sse / (n * D);
  const p = penaltyOf(config, { l1: l1 / n, l1Dec: l1Dec / n, l0: active / n, meanActivation });
  return {
    mse,
    penalty: p.value,
    penaltyKind: p.kind,
    total: mse + (p.kind === 'none' ? 0 : p.weight * p.value),
    l0: active / n,
    fvu: sst > 0 ? sse / sst : Number.NaN,
    deadUnits: everActive.reduce((a, v) => a + (v ? 0 : 1), 0),
    meanActivation,
    saebench: bench.result(),
  };
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
