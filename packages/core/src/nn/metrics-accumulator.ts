import { type AnySaeConfig, isModernConfig } from './config.js';
import type { ForwardBatch } from './inference.js';
import { KL_CLAMP } from './losses.js';
import type { SaeMetrics } from './metrics.js';
import type { SaeParams } from './params.js';
import { SaeBenchAccumulator } from './saebench-metrics.js';

/** `none` also for the TopK family, whose sparsity is the top-k itself (no penalty term). */
export type PenaltyKind = 'kl' | 'l1' | 'l1-decoder-norm' | 'l0' | 'none';

/**
 * Sums everything {@link SaeMetrics} needs over forward batches, in float64, given the column mean
 * of all the rows to come (FVU and SAEBench's explained variance are about that mean): the one
 * accumulation behind `evaluate` (rows in memory) and `evaluateStream` (rows streamed).
 */
export class SaeMetricsAccumulator {
  private readonly bench: SaeBenchAccumulator;
  private readonly sumAct: Float64Array;
  private readonly everActive: Uint8Array;
  private readonly decNorm: Float64Array;
  private n = 0;
  private sse = 0;
  private sst = 0;
  private active = 0;
  private l1 = 0;
  private l1Dec = 0;

  constructor(
    private readonly config: AnySaeConfig,
    params: SaeParams,
    private readonly colMean: Float64Array,
  ) {
    const H = config.hiddenDim;
    this.bench = new SaeBenchAccumulator(config.inputDim, H, colMean);
    this.sumAct = new Float64Array(H);
    this.everActive = new Uint8Array(H);
    this.decNorm = rowNorms(params.W_dec, H, config.inputDim);
  }

  /** The first `rows` rows of a batch (padding rows after them are left out). */
  add({ x, hidden, recon, rows }: Pick<ForwardBatch, 'x' | 'hidden' | 'recon' | 'rows'>): void {
    const D = this.config.inputDim;
    const H = this.config.hiddenDim;
    const colMean = this.colMean;
    this.bench.add(x, hidden, recon, rows);
    for (let r = 0; r < rows; r++) {
      for (let d = 0; d < D; d++) {
        const v = x[r * D + d];
        const e = v - recon[r * D + d];
        const c = v - colMean[d];
        this.sse += e * e;
        this.sst += c * c;
      }
      for (let j = 0; j < H; j++) {
        const h = hidden[r * H + j];
        this.sumAct[j] += h;
        this.l1 += Math.abs(h);
        this.l1Dec += Math.abs(h) * this.decNorm[j];
        if (h > 0) {
          this.active++;
          this.everActive[j] = 1;
        }
      }
    }
    this.n += rows;
  }

  result(): SaeMetrics {
    const n = this.n;
    const D = this.config.inputDim;
    const meanActivation = Array.from(this.sumAct, (s) => s / n);
    const mse = this.sse / (n * D);
    const p = penaltyOf(this.config, {
      l1: this.l1 / n,
      l1Dec: this.l1Dec / n,
      l0: this.active / n,
      meanActivation,
    });
    return {
      mse,
      penalty: p.value,
      penaltyKind: p.kind,
      total: mse + (p.kind === 'none' ? 0 : p.weight * p.value),
      l0: this.active / n,
      fvu: this.sst > 0 ? this.sse / this.sst : Number.NaN,
      deadUnits: this.everActive.reduce((a, v) => a + (v ? 0 : 1), 0),
      meanActivation,
      saebench: this.bench.result(),
    };
  }
}

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
