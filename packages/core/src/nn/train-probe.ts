import type { Backend } from '../backend.js';
import type { AnySaeConfig } from './config.js';
import { ForwardRunner } from './inference.js';
import type { SaeParams } from './params.js';

/** One line of the per-step history: means over the steps since the previous record. */
export interface StepRecord {
  /** Steps trained in all (across epochs) when this was recorded. */
  readonly step: number;
  readonly epoch: number;
  /** Rows (tokens) trained on in all. */
  readonly tokens: number;
  /** Mean training loss per row over the steps since the previous record. */
  readonly loss: number;
  /** Mean active latents per row, on the batch of this step. */
  readonly l0: number;
  /** Share of latents that fired on none of the last `deadWindow` probed batches (or on none so far). */
  readonly deadFraction: number;
}

/** What a checkpoint keeps of the probe, so the history continues exactly after a resume. */
export interface ProbeSnapshot {
  readonly probes: number;
  readonly lossSum: number;
  readonly rows: number;
  /** Per latent: the probe (1-based) it last fired in, 0 for never. */
  readonly lastFired: readonly number[];
}

/**
 * Every `every` steps, runs the model's forward pass on that step's batch (parameters as they are
 * after the step) to measure L0 and which latents fire; the training graph itself stays as it is.
 */
export class TrainProbe {
  private probes = 0;
  private lossSum = 0;
  private rows = 0;
  private readonly lastFired: Int32Array;

  private constructor(
    private readonly runner: ForwardRunner,
    readonly every: number,
    readonly deadWindow: number,
    hidden: number,
    snapshot?: ProbeSnapshot,
  ) {
    this.lastFired = new Int32Array(hidden);
    if (snapshot) {
      if (snapshot.lastFired.length !== hidden)
        throw new RangeError(
          `TrainProbe: the snapshot has ${snapshot.lastFired.length} latents, the model ${hidden}`,
        );
      this.lastFired.set(snapshot.lastFired);
      this.probes = snapshot.probes;
      this.lossSum = snapshot.lossSum;
      this.rows = snapshot.rows;
    }
  }

  static async create(
    backend: Backend,
    config: AnySaeConfig,
    params: SaeParams,
    batch: number,
    opts: { every: number; deadWindow?: number; snapshot?: ProbeSnapshot },
  ): Promise<TrainProbe> {
    if (!Number.isInteger(opts.every) || opts.every < 1)
      throw new RangeError(`train: metricsEvery must be a positive integer, got ${opts.every}`);
    const runner = await ForwardRunner.create(backend, config, params, batch);
    return new TrainProbe(runner, opts.every, opts.deadWindow ?? 10, config.hiddenDim, opts.snapshot);
  }

  /** Counts a step's loss; at every `every`-th step, probes its batch and returns the record. */
  async afterStep(
    s: { step: number; epoch: number; tokens: number; loss: number; rows: number },
    x: Float32Array,
    params: () => Promise<SaeParams>,
  ): Promise<StepRecord | undefined> {
    this.lossSum += s.loss * s.rows;
    this.rows += s.rows;
    if (s.step % this.every !== 0) return undefined;
    this.runner.setParams(await params());
    const H = this.lastFired.length;
    const probe = ++this.probes;
    let active = 0;
    await this.runner.stream(x, x.length / this.runner.config.inputDim, (b) => {
      for (let r = 0; r < s.rows; r++)
        for (let j = 0, o = r * H; j < H; j++)
          if (b.hidden[o + j] > 0) {
            active++;
            this.lastFired[j] = probe;
          }
    });
    let dead = 0;
    for (let j = 0; j < H; j++)
      if (this.lastFired[j] === 0 || probe - this.lastFired[j] >= this.deadWindow) dead++;
    const rec: StepRecord = {
      step: s.step,
      epoch: s.epoch,
      tokens: s.tokens,
      loss: this.lossSum / this.rows,
      l0: active / s.rows,
      deadFraction: dead / H,
    };
    this.lossSum = 0;
    this.rows = 0;
    return rec;
  }

  snapshot(): ProbeSnapshot {
    return {
      probes: this.probes,
      lossSum: this.lossSum,
      rows: this.rows,
      lastFired: Array.from(this.lastFired),
    };
  }

  dispose(): void {
    this.runner.dispose();
  }
}
