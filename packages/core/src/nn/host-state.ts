/**
 * Training state a recipe keeps outside the graph, in JS: per-latent firing counters (dead latents
 * for AuxK), running thresholds (BatchTopK's θ, kept in float64 as SAELens does), schedules
 * (learning-rate and sparsity-coefficient warm-up). The trainer asks it for the step's extra inputs
 * before each run, shows it the step's outputs after an applied step, and saves it in checkpoints,
 * so a resumed run continues exactly where it stopped.
 */
export interface HostState {
  /**
   * Extra inputs of the next run beyond `x` and `w`, keyed by graph input name: the same arrays on
   * every call, refilled in place, so the trainer builds its feed record once.
   */
  feeds(): Readonly<Record<string, Float32Array>>;
  /** After a step whose update was applied: that run's outputs and its number of real (unpadded) rows. */
  observe(outputs: Readonly<Record<string, Float32Array>>, rows: number): void;
  /** A JSON-able snapshot for checkpoints; numbers are float64 and round-trip through JSON exactly. */
  save(): HostStateSnapshot;
  /** Puts back what `save` gave (a resumed run); throws if the snapshot does not fit this recipe. */
  restore(snapshot: HostStateSnapshot): void;
  /** BatchTopK's inference threshold θ, when the recipe keeps one (saved as the `threshold` tensor). */
  readonly threshold?: number;
}

export type HostStateSnapshot = {
  readonly [key: string]: number | boolean | readonly number[] | HostStateSnapshot;
};
