/**
 * The evaluation metrics of SAEBench's `core` eval, under its names, accumulated batch by batch in
 * float64 over one pass of a forward pass (the data need not fit in memory). Definitions:
 * tools/test-data/golden/modern/README.md, "Metrics".
 */
export interface SaeBenchMetrics {
  /** Examples evaluated. */
  readonly n: number;
  /** 1 − Σ‖x − x̂‖² / Σ‖x − x̄‖², x̄ the mean of the evaluated rows. */
  readonly explained_variance: number;
  /** 1 − explained_variance. */
  readonly fvu: number;
  /** Mean over rows of 1 − ‖x_b − x̂_b‖² / ‖x_b − x̄‖² (SAELens' per-row form). */
  readonly explained_variance_legacy: number;
  /**
   * Which x̄ the legacy form used: `dataset`, the mean of every evaluated row (given before the
   * pass), or `per-batch`, each forward batch's own mean (as SAELens' evals.py computes it).
   */
  readonly explained_variance_legacy_mean: 'dataset' | 'per-batch';
  /** 1 − Σ_d Var(e_d) / Σ_d Var(x_d), e = x − x̂ (dictionary_learning). */
  readonly frac_variance_explained_dl: number;
  /** Mean over rows of ‖x − x̂‖² (summed over dimensions, not averaged). */
  readonly mse: number;
  /** Mean over rows of the cosine of x and x̂. */
  readonly cossim: number;
  readonly l2_norm_in: number;
  readonly l2_norm_out: number;
  /** Mean over rows of ‖x̂‖ / ‖x‖ (1 for ‖x‖ < 1e-4). */
  readonly l2_ratio: number;
  /** Mean ‖x̂‖² / mean ⟨x, x̂⟩ (Gated SAE paper, eq. 10). */
  readonly relative_reconstruction_bias: number;
  /** Mean active (> 0) latents per row. */
  readonly l0: number;
  /** Mean Σ_i |f_i| per row. */
  readonly l1: number;
  /** Fraction of rows on which each latent is > 0. */
  readonly featureDensity: number[];
  readonly frac_alive: number;
  /** Latents with density exactly 0. */
  readonly dead_count: number;
  readonly freq_over_1_percent: number;
  readonly freq_over_10_percent: number;
}

/** Per-dimension running mean and sum of squared deviations, merged a batch at a time (Chan et al.). */
class MomentSums {
  private n = 0;
  readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly bMean: Float64Array;
  private readonly dev: Float64Array;

  constructor(dim: number) {
    this.mean = new Float64Array(dim);
    this.m2 = new Float64Array(dim);
    this.bMean = new Float64Array(dim);
    this.dev = new Float64Array(dim);
  }

  /** Adds the first `rows` rows of `v` ([rows, D]): the batch's own mean and deviations first, then merged. */
  add(v: ArrayLike<number>, rows: number): void {
    const D = this.mean.length;
    const bm = this.bMean;
    bm.fill(0);
    for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) bm[d] += v[r * D + d];
    for (let d = 0; d < D; d++) bm[d] /= rows;
    const dev = this.dev;
    dev.fill(0);
    for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) dev[d] += (v[r * D + d] - bm[d]) ** 2;
    const n = this.n;
    const total = n + rows;
    for (let d = 0; d < D; d++) {
      const delta = bm[d] - this.mean[d];
      this.mean[d] += (delta * rows) / total;
      this.m2[d] += dev[d] + (delta * delta * n * rows) / total;
    }
    this.n = total;
  }

  /** Σ_d Σ_b (v_bd − mean_d)². */
  total(): number {
    let s = 0;
    for (const v of this.m2) s += v;
    return s;
  }
}

/**
 * Accumulates SaeBenchMetrics over batches of (x, f, x̂). Give `inputMean` (the column mean of all
 * rows to be evaluated) to compute explained_variance_legacy exactly as defined; without it, each
 * batch's own mean is used, as SAELens does. Every other metric is exact either way.
 */
export class SaeBenchAccumulator {
  private n = 0;
  private readonly x: MomentSums;
  private readonly e: MomentSums;
  private sse = 0;
  private legacy = 0;
  private cos = 0;
  private normIn = 0;
  private normOut = 0;
  private ratio = 0;
  private outSq = 0;
  private dot = 0;
  private active = 0;
  private l1 = 0;
  private readonly fired: Float64Array;
  private readonly centre: Float64Array;
  /** x − x̂ of the current batch, reused. */
  private err = new Float64Array(0);

  constructor(
    readonly inputDim: number,
    readonly hiddenDim: number,
    private readonly inputMean?: ArrayLike<number>,
  ) {
    if (inputMean && inputMean.length !== inputDim)
      throw new RangeError(`metrics: inputMean has ${inputMean.length} values, the model takes ${inputDim}`);
    this.x = new MomentSums(inputDim);
    this.e = new MomentSums(inputDim);
    this.fired = new Float64Array(hiddenDim);
    this.centre = new Float64Array(inputDim);
  }

  /** The first `rows` rows of a batch: inputs x and reconstructions [rows, D], latents [rows, H]. */
  add(x: ArrayLike<number>, hidden: ArrayLike<number>, recon: ArrayLike<number>, rows: number): void {
    const D = this.inputDim;
    const H = this.hiddenDim;
    if (rows <= 0) return;
    if (x.length < rows * D || recon.length < rows * D || hidden.length < rows * H)
      throw new RangeError(
        `metrics: a batch of ${rows} rows needs ${rows * D} inputs and ${rows * H} latents`,
      );
    this.x.add(x, rows);
    if (this.err.length < rows * D) this.err = new Float64Array(rows * D);
    const err = this.err;
    for (let i = 0; i < rows * D; i++) err[i] = x[i] - recon[i];
    this.e.add(err, rows);
    const c = this.centre;
    if (this.inputMean) for (let d = 0; d < D; d++) c[d] = this.inputMean[d];
    else {
      c.fill(0);
      for (let r = 0; r < rows; r++) for (let d = 0; d < D; d++) c[d] += x[r * D + d];
      for (let d = 0; d < D; d++) c[d] /= rows;
    }
    for (let r = 0; r < rows; r++) {
      let ee = 0;
      let xc = 0;
      let xx = 0;
      let yy = 0;
      let xy = 0;
      for (let d = 0; d < D; d++) {
        const v = x[r * D + d];
        const y = recon[r * D + d];
        ee += (v - y) ** 2;
        xc += (v - c[d]) ** 2;
        xx += v * v;
        yy += y * y;
        xy += v * y;
      }
      const nx = Math.sqrt(xx);
      const ny = Math.sqrt(yy);
      this.sse += ee;
      this.legacy += 1 - ee / xc;
      this.cos += xy / (nx * ny);
      this.normIn += nx;
      this.normOut += ny;
      this.ratio += nx < 1e-4 ? 1 : ny / nx;
      this.outSq += yy;
      this.dot += xy;
      for (let j = 0; j < H; j++) {
        const f = hidden[r * H + j];
        this.l1 += Math.abs(f);
        if (f > 0) {
          this.active++;
          this.fired[j]++;
        }
      }
    }
    this.n += rows;
  }

  result(): SaeBenchMetrics {
    const n = this.n;
    if (n === 0) throw new Error('metrics: no rows were evaluated');
    const H = this.hiddenDim;
    const featureDensity = Array.from(this.fired, (c) => c / n);
    const count = (p: (d: number) => boolean) => featureDensity.reduce((a, d) => a + (p(d) ? 1 : 0), 0);
    const sst = this.x.total();
    const explained = 1 - this.sse / sst;
    return {
      n,
      explained_variance: explained,
      fvu: 1 - explained,
      explained_variance_legacy: this.legacy / n,
      explained_variance_legacy_mean: this.inputMean ? 'dataset' : 'per-batch',
      frac_variance_explained_dl: 1 - this.e.total() / sst,
      mse: this.sse / n,
      cossim: this.cos / n,
      l2_norm_in: this.normIn / n,
      l2_norm_out: this.normOut / n,
      l2_ratio: this.ratio / n,
      relative_reconstruction_bias: this.outSq / n / (this.dot / n),
      l0: this.active / n,
      l1: this.l1 / n,
      featureDensity,
      frac_alive: count((d) => d > 0) / H,
      dead_count: count((d) => d === 0),
      freq_over_1_percent: count((d) => d > 0.01) / H,
      freq_over_10_percent: count((d) => d > 0.1) / H,
    };
  }
}

/** The metrics of rows held in memory (x, x̂ [n, D]; f [n, H]), with the exact dataset mean. */
export function saeBenchMetrics(
  x: ArrayLike<number>,
  hidden: ArrayLike<number>,
  recon: ArrayLike<number>,
  n: number,
  inputDim: number,
): SaeBenchMetrics {
  const H = hidden.length / n;
  if (!Number.isInteger(H) || x.length !== n * inputDim || recon.length !== n * inputDim)
    throw new RangeError(
      `metrics: ${x.length} inputs, ${recon.length} reconstructions and ${hidden.length} latents are not ${n} rows of ${inputDim} features`,
    );
  const acc = new SaeBenchAccumulator(inputDim, H, columnMean(x, n, inputDim));
  acc.add(x, hidden, recon, n);
  return acc.result();
}

/** The mean of each column of [n, D] row-major values, in float64. */
export function columnMean(x: ArrayLike<number>, n: number, D: number): Float64Array {
  const mean = new Float64Array(D);
  for (let i = 0; i < n; i++) for (let d = 0; d < D; d++) mean[d] += x[i * D + d];
  for (let d = 0; d < D; d++) mean[d] /= n;
  return mean;
}
