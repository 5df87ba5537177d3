import type { HostState, HostStateSnapshot } from './host-state.js';
import { AUXK_DEFAULTS, type ResolvedModernConfig, usesBatchTopK } from './modern-config.js';
import { NOT_SELECTED } from './modern-model.js';
import type { TrainingOptions } from './optim.js';

/** The graph's names for what the host state feeds and reads. */
export const HOST_IO = Object.freeze({
  dead: 'dead',
  fired: 'fired',
  minActive: 'minActive',
  sparseExact: 'sparseExact',
  lrScale: 'schedule.lr',
  sparsityScale: 'schedule.sparsity',
});

/** One piece of host-side state; `ModernHostState` combines the pieces a recipe needs. */
interface Part {
  readonly key: string;
  feed(into: Record<string, Float32Array>): void;
  observe(out: Readonly<Record<string, Float32Array>>, rows: number): void;
  save(): HostStateSnapshot;
  restore(s: HostStateSnapshot): void;
}

const numbers = (s: HostStateSnapshot, key: string, n: number, where: string): readonly number[] => {
  const v = s[key];
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number'))
    throw new Error(`host state ${where}: "${key}" must be ${n} numbers`);
  return v;
};
const scalar = (s: HostStateSnapshot, key: string, where: string): number => {
  const v = s[key];
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`host state ${where}: "${key}" must be a number`);
  return v;
};

/**
 * Tokens since each latent last fired (f > 0 on some real row, SAELens' test); dead after
 * `deadAfterTokens` of them. Feeds the AuxK dead mask.
 */
class DeadLatents implements Part {
  readonly key = 'deadLatents';
  private readonly since: Float64Array;
  private readonly dead: Float32Array;
  constructor(
    hidden: number,
    private readonly after: number,
  ) {
    this.since = new Float64Array(hidden);
    this.dead = new Float32Array(hidden);
  }
  feed(into: Record<string, Float32Array>): void {
    into[HOST_IO.dead] = this.dead;
  }
  observe(out: Readonly<Record<string, Float32Array>>, rows: number): void {
    const fired = out[HOST_IO.fired];
    for (let i = 0; i < this.since.length; i++) {
      this.since[i] = fired[i] > 0 ? 0 : this.since[i] + rows;
      this.dead[i] = this.since[i] >= this.after ? 1 : 0;
    }
  }
  save(): HostStateSnapshot {
    return { tokensSinceFired: Array.from(this.since) };
  }
  restore(s: HostStateSnapshot): void {
    this.since.set(numbers(s, 'tokensSinceFired', this.since.length, this.key));
    for (let i = 0; i < this.since.length; i++) this.dead[i] = this.since[i] >= this.after ? 1 : 0;
  }
}

/** BatchTopK's θ, float64 (SAELens `update_topk_threshold`): θ ← (1 − lr)θ + lr·min{f > 0}. */
class BatchTopKThreshold implements Part {
  readonly key = 'batchTopKThreshold';
  constructor(
    private readonly lr: number,
    public theta: number,
  ) {}
  feed(): void {}
  observe(out: Readonly<Record<string, Float32Array>>): void {
    const m = out[HOST_IO.minActive][0];
    if (m < -NOT_SELECTED / 2) this.theta = (1 - this.lr) * this.theta + this.lr * m; // else nothing fired
  }
  save(): HostStateSnapshot {
    return { threshold: this.theta };
  }
  restore(s: HostStateSnapshot): void {
    this.theta = scalar(s, 'threshold', this.key);
  }
}

/** Learning-rate and sparsity-coefficient multipliers for the next step (SAELens' linear schedules). */
class Schedules implements Part {
  readonly key = 'schedules';
  private step = 0;
  private readonly lr = new Float32Array(1);
  private readonly sparsity = new Float32Array(1);
  constructor(private readonly o: TrainingOptions) {}
  static needed(o: TrainingOptions): { lr: boolean; sparsity: boolean } {
    return { lr: !!(o.lrWarmupSteps || o.lrDecaySteps), sparsity: !!o.sparsityWarmupSteps };
  }
  /** The multipliers at a 0-based step. */
  static at(o: TrainingOptions, step: number): { lr: number; sparsity: number } {
    let lr = 1;
    if (o.lrWarmupSteps && step < o.lrWarmupSteps) lr = (step + 1) / o.lrWarmupSteps;
    const total = o.totalSteps ?? Number.POSITIVE_INFINITY;
    if (o.lrDecaySteps && step >= total - o.lrDecaySteps)
      lr = Math.min(lr, Math.max(total - step, 0) / o.lrDecaySteps);
    const sparsity = o.sparsityWarmupSteps ? Math.min(1, (step + 1) / o.sparsityWarmupSteps) : 1;
    return { lr, sparsity };
  }
  feed(into: Record<string, Float32Array>): void {
    const m = Schedules.at(this.o, this.step);
    const need = Schedules.needed(this.o);
    this.lr[0] = m.lr;
    this.sparsity[0] = m.sparsity;
    if (need.lr) into[HOST_IO.lrScale] = this.lr;
    if (need.sparsity) into[HOST_IO.sparsityScale] = this.sparsity;
  }
  observe(): void {
    this.step++;
  }
  save(): HostStateSnapshot {
    return { step: this.step };
  }
  restore(s: HostStateSnapshot): void {
    const v = scalar(s, 'step', this.key);
    if (!Number.isInteger(v) || v < 0)
      throw new Error(`host state ${this.key}: "step" must be an integer >= 0`);
    this.step = v;
  }
}

export { Schedules as TrainingSchedules };

/** The host state of a modern recipe: the dead-latent counter, BatchTopK's θ and the schedules it uses. */
export class ModernHostState implements HostState {
  private readonly parts: Part[] = [];
  private readonly thresholdPart?: BatchTopKThreshold;
  private readonly feedBuf: Record<string, Float32Array> = {};

  constructor(c: ResolvedModernConfig, o: TrainingOptions, initialThreshold = 0) {
    if (c.auxk)
      this.parts.push(new DeadLatents(c.hiddenDim, c.auxk.deadAfterTokens ?? AUXK_DEFAULTS.deadAfterTokens));
    if (usesBatchTopK(c)) {
      this.thresholdPart = new BatchTopKThreshold(c.topkThresholdLr, initialThreshold);
      this.parts.push(this.thresholdPart);
    }
    const need = Schedules.needed(o);
    if (need.lr || need.sparsity) this.parts.push(new Schedules(o));
  }

  /** Whether the recipe keeps any state on the host. */
  get empty(): boolean {
    return this.parts.length === 0;
  }

  /** BatchTopK's current inference threshold θ (float64); undefined for other architectures. */
  get threshold(): number | undefined {
    return this.thresholdPart?.theta;
  }

  feeds(): Readonly<Record<string, Float32Array>> {
    for (const p of this.parts) p.feed(this.feedBuf);
    return this.feedBuf;
  }

  observe(outputs: Readonly<Record<string, Float32Array>>, rows: number): void {
    const exact = outputs[HOST_IO.sparseExact];
    if (exact && exact[0] !== 1)
      throw new Error(
        "batchtopk sparse formulation: a row of this batch held as many of the batch's K = ⌊k·B⌋ largest activations as it has candidates, so the sparse selection may differ from the dense one; train with more candidates per row or with formulation dense",
      );
    for (const p of this.parts) p.observe(outputs, rows);
  }

  save(): HostStateSnapshot {
    return Object.fromEntries(this.parts.map((p) => [p.key, p.save()]));
  }

  restore(snapshot: HostStateSnapshot): void {
    const keys = this.parts.map((p) => p.key).sort();
    const given = Object.keys(snapshot).sort();
    if (keys.join() !== given.join())
      throw new Error(
        `host state: the snapshot holds [${given.join(', ')}], this recipe keeps [${keys.join(', ')}]`,
      );
    for (const p of this.parts) p.restore(snapshot[p.key] as HostStateSnapshot);
  }
}
