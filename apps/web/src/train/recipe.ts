import { type Backend, type SaeConfig, type TrainEvent, train } from '@saekit/core';
import { syntheticSparse } from '@saekit/datasets';

/**
 * The synthetic run the page trains and the browser tests compare across backends: the CLI's
 * synthetic model (64 -> 256 ReLU, L1 3e-3, Adam 1e-3) on its synthetic data, one epoch of `steps`
 * batches. Node (the tests' reference) and every page backend run exactly this.
 */
export interface SyntheticRun {
  readonly steps: number;
  readonly batchSize: number;
  readonly seed: number;
}

export const SYNTHETIC_CONFIG: SaeConfig = Object.freeze({
  inputDim: 64,
  hiddenDim: 256,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: Object.freeze({ kind: 'l1', weight: 3e-3 }),
});

export const DEFAULT_RUN: SyntheticRun = Object.freeze({ steps: 200, batchSize: 64, seed: 0 });

/** One epoch of `run.steps` steps; `onStep` gets each step's loss. Returns the losses. */
export async function trainSynthetic(
  backend: Backend,
  run: SyntheticRun,
  onStep: (step: number, loss: number) => void = () => {},
  signal?: AbortSignal,
): Promise<number[]> {
  const data = syntheticSparse({ seed: run.seed, nTrain: run.steps * run.batchSize, nTest: run.batchSize });
  const losses: number[] = [];
  const onEvent = (e: TrainEvent): void => {
    if (e.type !== 'step') return;
    losses.push(e.loss);
    onStep(e.step, e.loss);
  };
  await train(backend, SYNTHETIC_CONFIG, data, {
    epochs: 1,
    batchSize: run.batchSize,
    seed: run.seed,
    optimizer: { kind: 'adam', lr: 1e-3 },
    evalEveryEpoch: false,
    onEvent,
    signal,
  });
  return losses;
}
