import type { BatchStreamPosition } from './batch-stream.js';
import type { HostStateSnapshot } from './host-state.js';
import type { SaeParams } from './params.js';
import type { ProbeSnapshot, StepRecord } from './train-probe.js';

export interface TrainHistory {
  trainLossPerEpoch: number[];
  testLossPerEpoch: number[];
  testMsePerEpoch: number[];
  secondsPerEpoch: number[];
  /** Every `metricsEvery` steps (when set): loss, L0 and dead fraction by step. */
  steps?: StepRecord[];
}

/**
 * Everything a run needs to continue exactly where it was: with the same backend, data and
 * options, `train(…, { resume })` from this reaches the same parameters, bit for bit, as the run
 * that was never stopped.
 */
export interface TrainCheckpoint {
  /** The epoch in progress (or just finished, `epochDone`), from 1; 0 before the first step. */
  readonly epoch: number;
  /** Steps of that epoch done. */
  readonly step: number;
  readonly epochDone: boolean;
  /** Steps done in all. */
  readonly globalStep: number;
  /** Rows trained on in all. */
  readonly tokens: number;
  readonly params: SaeParams;
  /** The optimizer's state inputs (Adam's moments and step count), by graph input name. */
  readonly slots: Readonly<Record<string, Float32Array>>;
  /** Where the training data continues (the generator state of an in-memory dataset's shuffle). */
  readonly data: BatchStreamPosition;
  /** The recipe's host-side state (dead-latent counters, thresholds), when it has one. */
  readonly host?: HostStateSnapshot;
  /** The epoch so far: summed loss × rows and rows, for its mean. */
  readonly lossSum: number;
  readonly rows: number;
  readonly history: TrainHistory;
  readonly probe?: ProbeSnapshot;
}

/** The history as a deep copy (a checkpoint must not change as training goes on). */
export function copyHistory(h: TrainHistory): TrainHistory {
  return {
    trainLossPerEpoch: [...h.trainLossPerEpoch],
    testLossPerEpoch: [...h.testLossPerEpoch],
    testMsePerEpoch: [...h.testMsePerEpoch],
    secondsPerEpoch: [...h.secondsPerEpoch],
    ...(h.steps ? { steps: [...h.steps] } : {}),
  };
}
