import type { Backend, Executable } from '../backend.js';
import { Rng } from '../rng.js';
import { type SaeConfig, validateConfig } from './config.js';
import type { Dataset, DatasetSplits } from './dataset.js';
import { buildTrainStep, rowWeights } from './graphs.js';
import { ForwardRunner } from './inference.js';
import { evaluate, type SaeMetrics } from './metrics.js';
import { type OptimizerConfig, validateOptimizer } from './optim.js';
import { checkParams, initParams, PARAM_NAMES, type SaeParams } from './params.js';

export interface TrainOptions {
  readonly epochs: number;
  readonly batchSize: number;
  /** Seeds the initial parameters (unless given) and every epoch's shuffle. */
  readonly seed: number;
  readonly optimizer: OptimizerConfig;
  /** Evaluate on the test split after every epoch (default true; otherwise only at the end). */
  readonly evalEveryEpoch?: boolean;
  readonly evalBatchSize?: number;
  readonly onEvent?: (e: TrainEvent) => void;
  /**
   * Stops after the current step; the result holds what was trained so far. While a signal is
   * given the loop yields to the event loop now and then, so a process signal handler can abort it.
   */
  readonly signal?: AbortSignal;
  /**
   * Awaited with the parameters for checkpoints: with epoch 0 and the initial parameters before
   * the first step, then after each epoch (after its test evaluation).
   */
  readonly onEpochEnd?: (e: { epoch: number; params: SaeParams; history: TrainHistory }) => Promise<void>;
}

export type TrainEvent =
  | { type: 'start'; epochs: number; stepsPerEpoch: number; examples: number; backend: string }
  | {
      type: 'step';
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      loss: number;
      examplesPerSecond: number;
    }
  | { type: 'epoch'; epoch: number; trainLoss: number; seconds: number; test?: SaeMetrics };

export interface TrainHistory {
  trainLossPerEpoch: number[];
  testLossPerEpoch: number[];
  testMsePerEpoch: number[];
  secondsPerEpoch: number[];
}

export interface TrainResult {
  readonly params: SaeParams;
  readonly history: TrainHistory;
  readonly test: SaeMetrics;
  /** False when stopped early through the signal. */
  readonly completed: boolean;
  /** Where training stopped (the last step trained); the last epoch and step when completed. */
  readonly stoppedAt: { readonly epoch: number; readonly step: number };
}

/** How often (ms) a loop with an abort signal lets timers, I/O and process signals run. */
const YIELD_EVERY_MS = 50;

/**
 * A non-finite loss or gradient stopped training. The step's update was not applied (the graph
 * guards it), so `lastGoodParams` are the parameters before that step.
 */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
  constructor(
    readonly epoch: number,
    readonly step: number,
    readonly loss: number,
    readonly lastGoodParams: SaeParams,
    readonly history: TrainHistory,
  ) {
    super(
      `training diverged at epoch ${epoch}, step ${step}: ${Number.isFinite(loss) ? 'a gradient is not finite' : `loss is ${loss}`}` +
        ' (the update of that step was not applied; the last good parameters are kept)',
    );
  }
}

/**
 * Trains an SAE: seeded reshuffle every epoch, the last partial batch trained (zero-padded rows of
 * weight 0 in the same compiled step), mean train loss per epoch, test metrics after each epoch,
 * progress events. Buffers are allocated once; a step copies its batch rows and runs the graph.
 */
export async function train(
  backend: Backend,
  config: SaeConfig,
  data: DatasetSplits,
  options: TrainOptions,
  initial?: SaeParams,
): Promise<TrainResult> {
  validateConfig(config);
  validateOptimizer(options.optimizer);
  const { epochs, batchSize: B, seed } = options;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new RangeError(`train: epochs must be an integer >= 0, got ${epochs}`);
  if (!Number.isInteger(B) || B < 1)
    throw new RangeError(`train: batch size must be a positive integer, got ${B}`);
  const { train: tr, test } = data;
  const D = config.inputDim;
  for (const d of [tr, test]) {
    if (d.dim !== D)
      throw new RangeError(`train: dataset ${d.name} has ${d.dim} features, the model takes inputDim=${D}`);
  }
  if (tr.n === 0) throw new RangeError(`train: training set ${tr.name} is empty`);

  const rng = new Rng(seed);
  const start = initial ? checkParams(config, initial) : initParams(config, rng);
  const step = buildTrainStep(config, Math.min(B, tr.n), options.optimizer);
  const batch = step.batchSize;
  const exe = await backend.compile(step.graph, { state: step.initialState(start) });
  const history: TrainHistory = {
    trainLossPerEpoch: [],
    testLossPerEpoch: [],
    testMsePerEpoch: [],
    secondsPerEpoch: [],
  };
  const emit = options.onEvent ?? (() => {});
  // The test set is evaluated every epoch with one compiled forward pass, parameters swapped in.
  const evalBatch = Math.min(options.evalBatchSize ?? 1000, Math.max(test.n, 1));
  let runner: ForwardRunner | undefined;
  const evalTest = (params: SaeParams) => evaluate(backend, config, params, test, { runner });
  try {
    if (test.n > 0) runner = await ForwardRunner.create(backend, config, start, evalBatch);
    const stepsPerEpoch = Math.ceil(tr.n / batch);
    emit({ type: 'start', epochs, stepsPerEpoch, examples: tr.n, backend: backend.name });
    const x = new Float32Array(batch * D);
    const w = new Float32Array(batch);
    const order = new Uint32Array(tr.n);
    let lastTest: SaeMetrics | undefined;
    let lastYield = performance.now();
    if (options.onEpochEnd) await options.onEpochEnd({ epoch: 0, params: start, history });
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const t0 = performance.now();
      rng.permutation(tr.n, order);
      let lossSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        const from = s * batch;
        const rows = Math.min(batch, tr.n - from);
        fillBatch(tr, order, from, rows, x);
        rowWeights(w, rows);
        const out = await exe.run(step.host ? { ...step.host.feeds(), x, w } : { x, w });
        const loss = out.loss[0];
        if (!(out.ok[0] === 1) || !Number.isFinite(loss)) {
          throw new TrainingDivergedError(epoch, s + 1, loss, await readParams(exe), history);
        }
        step.host?.observe(out, rows);
        lossSum += loss * rows;
        const secs = (performance.now() - t0) / 1000;
        emit({
          type: 'step',
          epoch,
          step: s + 1,
          stepsPerEpoch,
          loss,
          examplesPerSecond: (from + rows) / Math.max(secs, 1e-9),
        });
        if (options.signal && performance.now() - lastYield > YIELD_EVERY_MS) {
          // A backend step may never leave the microtask queue; a macrotask lets signals in.
          await new Promise((r) => setTimeout(r, 0));
          lastYield = performance.now();
        }
        if (options.signal?.aborted) {
          const params = await readParams(exe);
          return {
            params,
            history,
            test: await evalTest(params),
            completed: false,
            stoppedAt: { epoch, step: s + 1 },
          };
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      history.trainLossPerEpoch.push(lossSum / tr.n);
      history.secondsPerEpoch.push(seconds);
      if ((options.evalEveryEpoch ?? true) || epoch === epochs) {
        lastTest = await evalTest(await readParams(exe));
        history.testLossPerEpoch.push(lastTest.total);
        history.testMsePerEpoch.push(lastTest.mse);
      }
      emit({ type: 'epoch', epoch, trainLoss: lossSum / tr.n, seconds, test: lastTest });
      if (options.onEpochEnd) await options.onEpochEnd({ epoch, params: await readParams(exe), history });
    }
    const params = await readParams(exe);
    const finalTest = lastTest ?? (await evalTest(params));
    return {
      params,
      history,
      test: finalTest,
      completed: true,
      stoppedAt: { epoch: epochs, step: epochs > 0 ? stepsPerEpoch : 0 },
    };
  } finally {
    exe.dispose();
    runner?.dispose();
  }
}

/**
 * Copies the rows order[from .. from+rows) into x and zeroes the padding. Each row is one
 * TypedArray.set (a memory copy): 3× faster than an element loop on MNIST's shuffled rows (0.09
 * against 0.26 ms a batch of 256, measured), which is worth a short-lived view object per row.
 */
function fillBatch(d: Dataset, order: Uint32Array, from: number, rows: number, x: Float32Array): void {
  const D = d.dim;
  const src = d.x;
  for (let r = 0; r < rows; r++) {
    const s = order[from + r] * D;
    x.set(src.subarray(s, s + D), r * D);
  }
  if (rows * D < x.length) x.fill(0, rows * D);
}

async function readParams(exe: Executable): Promise<SaeParams> {
  const out: Partial<SaeParams> = {};
  for (const n of PARAM_NAMES) out[n] = await exe.readState(n);
  return out as SaeParams;
}
