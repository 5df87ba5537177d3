import type { Backend, Executable } from '../backend.js';
import { Rng } from '../rng.js';
import type { BatchStream } from './batch-stream.js';
import { type AnySaeConfig, validateConfig } from './config.js';
import type { Dataset, DatasetSplits } from './dataset.js';
import { DatasetStream } from './dataset-stream.js';
import { buildTrainStep, rowWeights, type TrainStep } from './graphs.js';
import type { HostState } from './host-state.js';
import { ForwardRunner } from './inference.js';
import { evaluate, type SaeMetrics } from './metrics.js';
import { type OptimizerConfig, validateOptimizer } from './optim.js';
import { type AnyParamName, checkParams, initParams, type SaeParams, trainedParamNames } from './params.js';
import { type StepRecord, TrainProbe } from './train-probe.js';
import { copyHistory, type TrainCheckpoint, type TrainHistory } from './train-state.js';

export type { TrainCheckpoint, TrainHistory } from './train-state.js';

/** Training data that does not fit in memory: a stream of training rows, a held-out set in memory. */
export interface StreamSplits {
  readonly train: BatchStream;
  readonly test: Dataset;
}

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
  /**
   * Awaited with the whole training state: before the first step, every `checkpointEvery` steps
   * (counted across epochs) and after each epoch (after `onEpochEnd`).
   */
  readonly onCheckpoint?: (c: TrainCheckpoint) => Promise<void>;
  readonly checkpointEvery?: number;
  /** Continue from a checkpoint (a stream must be reopened at its `data` position by the caller). */
  readonly resume?: TrainCheckpoint;
  /** Every this many steps: a `probe` event and a record in `history.steps` (loss, L0, dead fraction). */
  readonly metricsEvery?: number;
  /** Stop after this many steps in all: the epoch it falls in ends there. */
  readonly maxSteps?: number;
  /** Builds the step graph (default `buildTrainStep`): a seam for recipes and tests of host state. */
  readonly buildStep?: typeof buildTrainStep;
}

export type TrainEvent =
  | { type: 'start'; epochs: number; stepsPerEpoch: number; examples: number; backend: string }
  | {
      type: 'step';
      epoch: number;
      step: number;
      stepsPerEpoch: number;
      /** Steps in all (across epochs), and how many the whole run takes. */
      globalStep: number;
      totalSteps: number;
      loss: number;
      /** Rows per second, and seconds per step, since this process started training. */
      examplesPerSecond: number;
      secondsPerStep: number;
    }
  | { type: 'probe'; record: StepRecord }
  | { type: 'checkpoint'; checkpoint: TrainCheckpoint }
  | { type: 'epoch'; epoch: number; trainLoss: number; seconds: number; test?: SaeMetrics };

export interface TrainResult {
  readonly params: SaeParams;
  readonly history: TrainHistory;
  readonly test: SaeMetrics;
  /** False when stopped early through the signal. */
  readonly completed: boolean;
  /** Where training stopped (the last step trained); the last epoch and step when completed. */
  readonly stoppedAt: { readonly epoch: number; readonly step: number };
  /** When stopped early: the state to save and resume from. */
  readonly checkpoint?: TrainCheckpoint;
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
 * Trains an SAE on an in-memory dataset (seeded reshuffle every epoch) or a {@link BatchStream}:
 * the last partial batch is trained (zero-padded rows of weight 0 in the same compiled step), mean
 * train loss per epoch, test metrics after each epoch, progress events, checkpoints of the whole
 * state. Buffers are allocated once; a step copies its batch rows and runs the graph.
 */
export async function train(
  backend: Backend,
  config: AnySaeConfig,
  data: DatasetSplits | StreamSplits,
  options: TrainOptions,
  initial?: SaeParams,
): Promise<TrainResult> {
  validateConfig(config);
  validateOptimizer(options.optimizer);
  const { epochs, batchSize: B, seed, resume } = options;
  if (!Number.isInteger(epochs) || epochs < 0)
    throw new RangeError(`train: epochs must be an integer >= 0, got ${epochs}`);
  if (!Number.isInteger(B) || B < 1)
    throw new RangeError(`train: batch size must be a positive integer, got ${B}`);
  for (const k of ['checkpointEvery', 'maxSteps'] as const) {
    const v = options[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 1))
      throw new RangeError(`train: ${k} must be a positive integer, got ${v}`);
  }
  const { train: tr, test } = data;
  const D = config.inputDim;
  const rowsPerEpoch = isStream(tr) ? tr.rowsPerEpoch : tr.n;
  for (const d of [tr, test]) {
    if (d.dim !== D)
      throw new RangeError(`train: dataset ${d.name} has ${d.dim} features, the model takes inputDim=${D}`);
  }
  if (rowsPerEpoch === 0) throw new RangeError(`train: training set ${tr.name} is empty`);

  const rng = new Rng(seed);
  const start = resume
    ? checkParams(config, resume.params)
    : initial
      ? checkParams(config, initial)
      : initParams(config, rng);
  const step = (options.buildStep ?? buildTrainStep)(config, Math.min(B, rowsPerEpoch), options.optimizer, {
    initialThreshold: start.threshold?.[0] ?? 0,
  });
  const batch = step.batchSize;
  const trained = trainedParamNames(config);
  const state0 = resumeState(step, trained, start, resume);
  const slotNames = Object.keys(state0).filter((n) => !(trained as readonly string[]).includes(n));
  const exe = await backend.compile(step.graph, { state: state0 });
  // BatchTopK's θ is host state, not graph state: it joins the parameters when they are read.
  const readParams = () => readTrainedParams(exe, trained, step.host?.threshold);
  if (resume && (resume.host !== undefined) !== (step.host !== undefined))
    throw new RangeError(
      `train: the checkpoint ${resume.host ? 'has' : 'has no'} host state, this recipe keeps ${step.host ? 'some' : 'none'}`,
    );
  if (resume?.host) step.host?.restore(resume.host);
  const stream = isStream(tr) ? tr : new DatasetStream(tr, rng, resume?.data);
  if (resume && isStream(tr)) {
    const at = tr.position();
    if (at.epoch !== resume.data.epoch || at.cursor !== resume.data.cursor)
      throw new RangeError(
        `train: the stream is at epoch ${at.epoch}, row ${at.cursor}; the checkpoint continues at epoch ${resume.data.epoch}, row ${resume.data.cursor}`,
      );
  }
  const history: TrainHistory = resume
    ? copyHistory(resume.history)
    : { trainLossPerEpoch: [], testLossPerEpoch: [], testMsePerEpoch: [], secondsPerEpoch: [] };
  if (options.metricsEvery && !history.steps) history.steps = [];
  const emit = options.onEvent ?? (() => {});
  // The test set is evaluated every epoch with one compiled forward pass, parameters swapped in.
  const evalBatch = Math.min(options.evalBatchSize ?? 1000, Math.max(test.n, 1));
  let runner: ForwardRunner | undefined;
  let probe: TrainProbe | undefined;
  const evalTest = (params: SaeParams) => evaluate(backend, config, params, test, { runner });
  const stepsPerEpoch = Math.ceil(rowsPerEpoch / batch);
  const totalSteps = Math.min(epochs * stepsPerEpoch, options.maxSteps ?? Number.POSITIVE_INFINITY);
  let epoch = resume ? (resume.epochDone ? resume.epoch + 1 : resume.epoch) : 1;
  let s = resume && !resume.epochDone ? resume.step : 0;
  let lossSum = resume && !resume.epochDone ? resume.lossSum : 0;
  let rowsDone = resume && !resume.epochDone ? resume.rows : 0;
  let globalStep = resume?.globalStep ?? 0;
  let tokens = resume?.tokens ?? 0;
  // Before the first step the checkpoint is "epoch 0 done": a resume from it starts epoch 1.
  const checkpoint = async (epochDone: boolean): Promise<TrainCheckpoint> => ({
    epoch: globalStep === 0 ? 0 : epoch,
    step: epochDone ? 0 : s,
    epochDone: epochDone || globalStep === 0,
    globalStep,
    tokens,
    params: await readParams(),
    slots: await readSlots(exe, slotNames),
    data: stream.position(),
    ...(step.host ? { host: step.host.save() } : {}),
    lossSum: epochDone ? 0 : lossSum,
    rows: epochDone ? 0 : rowsDone,
    history: copyHistory(history),
    ...(probe ? { probe: probe.snapshot() } : {}),
  });
  const saveCheckpoint = async (epochDone: boolean) => {
    if (!options.onCheckpoint) return;
    const c = await checkpoint(epochDone);
    await options.onCheckpoint(c);
    emit({ type: 'checkpoint', checkpoint: c });
  };
  try {
    if (test.n > 0) runner = await ForwardRunner.create(backend, config, start, evalBatch);
    if (options.metricsEvery)
      probe = await TrainProbe.create(backend, config, start, batch, {
        every: options.metricsEvery,
        snapshot: resume?.probe,
      });
    emit({ type: 'start', epochs, stepsPerEpoch, examples: rowsPerEpoch, backend: backend.name });
    const x = new Float32Array(batch * D);
    const w = new Float32Array(batch);
    let lastTest: SaeMetrics | undefined;
    let lastYield = performance.now();
    const t00 = performance.now();
    const tokens0 = tokens;
    const globalStep0 = globalStep;
    if (!resume) {
      if (options.onEpochEnd) await options.onEpochEnd({ epoch: 0, params: start, history });
      await saveCheckpoint(false);
    }
    // One feed record for every step: x and w are refilled in place, and the host state refreshes
    // its arrays in place (HostState.feeds), so a step allocates no feed object.
    const feed: Record<string, Float32Array> = { ...step.host?.feeds(), x, w };
    for (; epoch <= epochs && globalStep < totalSteps; epoch++) {
      const t0 = performance.now();
      for (;;) {
        const rows = await stream.nextBatch(x);
        if (rows === 0) break;
        if (rows < batch) x.fill(0, rows * D);
        rowWeights(w, rows);
        if (step.host) refreshHostFeeds(step.host, feed);
        const out = await exe.run(feed);
        const loss = out.loss[0];
        if (!(out.ok[0] === 1) || !Number.isFinite(loss)) {
          throw new TrainingDivergedError(epoch, s + 1, loss, await readParams(), history);
        }
        step.host?.observe(out, rows);
        s++;
        globalStep++;
        tokens += rows;
        lossSum += loss * rows;
        rowsDone += rows;
        const record = await probe?.afterStep({ step: globalStep, epoch, tokens, loss, rows }, x, readParams);
        if (record) {
          history.steps?.push(record);
          emit({ type: 'probe', record });
        }
        const secs = (performance.now() - t00) / 1000;
        emit({
          type: 'step',
          epoch,
          step: s,
          stepsPerEpoch,
          globalStep,
          totalSteps,
          loss,
          examplesPerSecond: (tokens - tokens0) / Math.max(secs, 1e-9),
          secondsPerStep: secs / (globalStep - globalStep0),
        });
        if (globalStep >= totalSteps) break;
        if (options.checkpointEvery && globalStep % options.checkpointEvery === 0)
          await saveCheckpoint(false);
        if (options.signal && performance.now() - lastYield > YIELD_EVERY_MS) {
          // A backend step may never leave the microtask queue; a macrotask lets signals in.
          await new Promise((r) => setTimeout(r, 0));
          lastYield = performance.now();
        }
        if (options.signal?.aborted) {
          const c = await checkpoint(false);
          return {
            params: c.params,
            history,
            test: await evalTest(c.params),
            completed: false,
            stoppedAt: { epoch, step: s },
            checkpoint: c,
          };
        }
      }
      const seconds = (performance.now() - t0) / 1000;
      history.trainLossPerEpoch.push(lossSum / rowsDone);
      history.secondsPerEpoch.push(seconds);
      const last = epoch === epochs || globalStep >= totalSteps;
      if ((options.evalEveryEpoch ?? true) || last) {
        lastTest = await evalTest(await readParams());
        history.testLossPerEpoch.push(lastTest.total);
        history.testMsePerEpoch.push(lastTest.mse);
      }
      emit({ type: 'epoch', epoch, trainLoss: lossSum / rowsDone, seconds, test: lastTest });
      if (options.onEpochEnd) await options.onEpochEnd({ epoch, params: await readParams(), history });
      await saveCheckpoint(true);
      if (last) break;
      s = 0;
      lossSum = 0;
      rowsDone = 0;
    }
    const params = await readParams();
    const finalTest = lastTest ?? (await evalTest(params));
    return {
      params,
      history,
      test: finalTest,
      completed: true,
      stoppedAt: { epoch: Math.min(epoch, epochs), step: s },
    };
  } finally {
    exe.dispose();
    runner?.dispose();
    probe?.dispose();
  }
}

function isStream(d: Dataset | BatchStream): d is BatchStream {
  return typeof (d as BatchStream).nextBatch === 'function';
}

/** The step's initial state, or a checkpoint's parameters and optimizer slots. */
function resumeState(
  step: TrainStep,
  trained: readonly AnyParamName[],
  params: SaeParams,
  resume: TrainCheckpoint | undefined,
): Record<string, Float32Array> {
  const st = step.initialState(params);
  if (!resume) return st;
  for (const name of Object.keys(st)) {
    if ((trained as readonly string[]).includes(name)) continue;
    const v = resume.slots[name];
    if (!v || v.length !== st[name].length)
      throw new RangeError(
        `train: the checkpoint's optimizer state ${name} is ${v ? `${v.length} values, expected ${st[name].length}` : 'missing'} (another optimizer?)`,
      );
    st[name] = Float32Array.from(v);
  }
  return st;
}

async function readSlots(exe: Executable, names: readonly string[]): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const n of names) out[n] = await exe.readState(n);
  return out;
}

async function readTrainedParams(
  exe: Executable,
  names: readonly AnyParamName[],
  threshold: number | undefined,
): Promise<SaeParams> {
  const out: Partial<SaeParams> = {};
  for (const n of names) out[n] = await exe.readState(n);
  if (threshold !== undefined) out.threshold = Float32Array.of(threshold);
  return out as SaeParams;
}

/** Asks the host state to refresh its inputs, which must be the arrays it gave the first time. */
function refreshHostFeeds(host: HostState, feed: Readonly<Record<string, Float32Array>>): void {
  const f = host.feeds();
  for (const k in f) {
    if (f[k] !== feed[k])
      throw new Error(`train: HostState.feeds() must refill the same arrays each step; "${k}" is a new one`);
  }
}
