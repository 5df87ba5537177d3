/*
 * Where to split a node between threads. Shares of equal size need not take equal time: the rows
 * of hᵀ·g are hidden units, some firing far more often than others (in one seed run the two halves
 * took 752 and 655 µs on average), and xᵀ·δ's rows are pixels, the image's top and bottom halves
 * differing in ink. So each split node keeps its own boundaries and nudges them after every run
 * toward the split that would have equalised that run's times, from each thread's time per unit
 * (a row, an output, an outer loop index). The nudge is a small fraction of the way: a step's
 * times also vary from batch to batch and with the machine's other work, which no boundary can
 * predict, so only a lasting difference moves it far. The kernels compute each unit by itself,
 * so the result is the same, bit for bit, wherever the boundaries fall.
 */

/** Fraction of the way to the latest run's balanced split that each run moves a boundary. */
const GAIN = 0.1;
/** No share falls below 1/(MIN_SHARE_DIV · threads) of the node, so every thread stays measured. */
const MIN_SHARE_DIV = 4;

export class ShareBalancer {
  /** Thread t computes units [bounds[t], bounds[t + 1]); thread 0 is the calling thread. */
  readonly bounds: Int32Array;
  /** The boundaries before rounding to the tile (bounds are these, rounded). */
  private readonly at: Float64Array;
  private readonly minShare: number;
  /** Units per millisecond of each thread in the last run. */
  private readonly rate: Float64Array;

  /**
   * `total` units over `threads` threads, boundaries on multiples of `align` (the matmul kernel's
   * row tile), starting from equal shares.
   */
  constructor(
    readonly total: number,
    readonly threads: number,
    private readonly align: number,
  ) {
    this.bounds = new Int32Array(threads + 1);
    this.at = new Float64Array(threads + 1);
    this.rate = new Float64Array(threads);
    const per = Math.ceil(total / threads / align) * align;
    for (let t = 1; t < threads; t++) this.bounds[t] = this.at[t] = Math.min(total, t * per);
    this.bounds[threads] = this.at[threads] = total;
    this.minShare = Math.max(align, Math.floor(total / (MIN_SHARE_DIV * threads) / align) * align);
  }

  /** Takes each thread's time (ms) for its share of the last run and moves the boundaries. */
  update(ms: Float64Array): void {
    const { bounds, at, rate, threads, total, align, minShare } = this;
    let speed = 0;
    for (let t = 0; t < threads; t++) {
      const units = bounds[t + 1] - bounds[t];
      if (units <= 0 || !(ms[t] > 0)) return; // an empty share or a clock too coarse: no evidence
      rate[t] = units / ms[t];
      speed += rate[t];
    }
    // The split that would have equalised this run: shares in proportion to the threads' rates.
    let target = 0;
    for (let t = 0; t < threads - 1; t++) {
      target += (total * rate[t]) / speed;
      const lo = bounds[t] + minShare;
      const hi = total - (threads - 1 - t) * minShare;
      if (lo > hi) continue;
      at[t + 1] = Math.min(hi, Math.max(lo, at[t + 1] + GAIN * (target - at[t + 1])));
      bounds[t + 1] = Math.min(hi, Math.max(lo, Math.round(at[t + 1] / align) * align));
    }
  }
}
