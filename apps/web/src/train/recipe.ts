import {
  type Backend,
  type DatasetSplits,
  type SaeConfig,
  SEED_CONFIG,
  type TrainEvent,
  train,
} from '@saekit/core';
import { syntheticSparse } from '@saekit/datasets';

/**
 * The runs the page trains and the browser tests compare across backends. Synthetic: the CLI's
 * synthetic model (64 -> 256 ReLU, L1 3e-3) on its synthetic data, one epoch of `steps` batches.
 * Images: the seed recipe (784 -> 64 ReLU -> 784 sigmoid, KL) on a subset of MNIST-style images,
 * epoch after epoch until `steps` steps. Both Adam 1e-3. Node (the tests' reference) and every page
 * backend run exactly this.
 */
export interface SyntheticRun {
  readonly steps: number;
  readonly batchSize: number;
  readonly seed: number;
}

/** Images as the page read them: [n, dim] in [0, 1]. */
export interface ImageSubset {
  readonly x: Float32Array;
  readonly n: number;
  readonly dim: number;
  readonly source: string;
}

export const SYNTHETIC_CONFIG: SaeConfig = Object.freeze({
  inputDim: 64,
  hiddenDim: 256,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: Object.freeze({ kind: 'l1', weight: 3e-3 }),
});

export const DEFAULT_RUN: SyntheticRun = Object.freeze({ steps: 200, batchSize: 64, seed: 0 });

/** `run.steps` steps on synthetic data, or on `images` when given; `onStep` gets each step's loss. */
export async function trainSynthetic(
  backend: Backend,
  run: SyntheticRun,
  onStep: (step: number, loss: number) => void = () => {},
  signal?: AbortSignal,
  images?: ImageSubset,
): Promise<number[]> {
  const { steps, batchSize: B, seed } = run;
  let data: DatasetSplits;
  let config = SYNTHETIC_CONFIG;
  let epochs = 1;
  if (images) {
    if (images.dim !== SEED_CONFIG.inputDim)
      throw new RangeError(
        `${images.source}: images of ${images.dim} pixels; the seed recipe takes 784 (28×28)`,
      );
    const set = { name: 'images', x: images.x, n: images.n, dim: images.dim };
    data = {
      train: set,
      test: { ...set, n: Math.min(B, set.n), x: set.x.subarray(0, Math.min(B, set.n) * set.dim) },
    };
    config = SEED_CONFIG;
    epochs = Math.ceil(steps / Math.ceil(images.n / B));
  } else data = syntheticSparse({ seed, nTrain: steps * B, nTest: B });
  // Stops after exactly `steps` steps (the last epoch of an image run may have more).
  const enough = new AbortController();
  const stop = signal ? AbortSignal.any([signal, enough.signal]) : enough.signal;
  const losses: number[] = [];
  const onEvent = (e: TrainEvent): void => {
    if (e.type !== 'step') return;
    losses.push(e.loss);
    onStep(losses.length, e.loss);
    if (losses.length === steps) enough.abort();
  };
  await train(backend, config, data, {
    epochs,
    batchSize: B,
    seed,
    optimizer: { kind: 'adam', lr: 1e-3 },
    evalEveryEpoch: false,
    onEvent,
    signal: stop,
  });
  return losses;
}
