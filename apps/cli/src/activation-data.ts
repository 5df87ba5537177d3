import { readdir, stat } from 'node:fs/promises';
import {
  type AnySaeConfig,
  type Backend,
  type BatchStreamPosition,
  type Dataset,
  evaluateStream,
  inputScaleFor,
  type SaeMetrics,
  type SaeParams,
} from '@saekit/core';
import {
  type ActivationSet,
  ActivationStream,
  activationsToDataset,
  NormalisedStream,
  type NormaliseOptions,
  normaliseDataset,
  openActivations,
  sampleNorms,
  sliceActivations,
  splitActivations,
} from '@saekit/datasets';

/** A `.npy` or `.safetensors` file, or a directory holding some: activations, not IDX images. */
export async function isActivationPath(path: string): Promise<boolean> {
  if (path.endsWith('.npy') || path.endsWith('.safetensors')) return true;
  const st = await stat(path).catch(() => undefined);
  if (!st?.isDirectory()) return false;
  return (await readdir(path)).some((n) => n.endsWith('.npy') || n.endsWith('.safetensors'));
}

/** How a run reads activations; kept in run.json so `--resume` reopens the same data. */
export interface ActivationSpec {
  readonly tensor?: string;
  /** The last share of the rows held out for evaluation (unless `evalDataset`). */
  readonly evalFraction?: number;
  readonly evalDataset?: string;
  /** At most this many held-out rows are evaluated (the first ones); all when absent. */
  readonly evalMaxRows?: number;
  readonly bufferRows: number;
}

/** The input normalisation of a run (run.json), fixed once estimated so a resume uses the same. */
export interface Normalisation {
  /** x is multiplied by this in training; folded into the saved weights. */
  readonly scale: number;
  readonly meanNorm?: number;
  readonly medianNorm?: number;
  readonly sampledRows?: number;
  /** Rows of a raw norm above this are left out (outlierFactor × the sampled median). */
  readonly maxNorm?: number;
  readonly outlierFactor?: number;
}

/** Held-out rows loaded for the trainer's evaluation after each epoch (the first ones). */
export const EPOCH_EVAL_ROWS = 4096;

/** Rows of the in-order read buffer of eval and encode: bounded memory, whatever the set. */
const ORDERED_BUFFER_ROWS = 4096;

export interface ActivationTraining {
  readonly train: NormalisedStream;
  /**
   * The first EPOCH_EVAL_ROWS held-out rows as training sees them (normalised), and as they are on
   * disk: the trainer's per-epoch evaluation and the report's figures.
   */
  readonly test: Dataset;
  readonly rawTest: Dataset;
  readonly dim: number;
  readonly trainRows: number;
  readonly normalisation?: Normalisation;
  /** Held-out rows of `test` (the sample) left out as outliers. */
  readonly excludedTest: number;
  /**
   * The metrics on every held-out row (up to evalMaxRows), normalised as in training, streamed,
   * and how many of those rows were left out as outliers.
   */
  evaluateHeldOut(
    backend: Backend,
    config: AnySaeConfig,
    params: SaeParams,
  ): Promise<{ metrics: SaeMetrics; excluded: number }>;
}

/** A set's rows in file order, read a buffer at a time (eval and encode). */
export function orderedStream(set: ActivationSet): ActivationStream {
  return new ActivationStream(set, { shuffle: false, chunkRows: 512, bufferRows: ORDERED_BUFFER_ROWS });
}

/**
 * The metrics of a model on a set, streamed in order (memory: one buffer, not the set); with
 * `normalise`, on the rows scaled and without outliers, as training saw them.
 */
export async function evaluateActivations(
  backend: Backend,
  config: AnySaeConfig,
  params: SaeParams,
  set: ActivationSet,
  normalise?: NormaliseOptions,
): Promise<SaeMetrics> {
  const stream = normalise ? new NormalisedStream(orderedStream(set), normalise) : orderedStream(set);
  try {
    return await evaluateStream(backend, config, params, stream);
  } finally {
    await stream.close();
  }
}

/**
 * The activation rows `saekit eval` and `encode` read, not loaded: the test (last `evalFraction`)
 * or train part of a set, or all of it without a fraction; the first `limit` rows of that.
 */
export async function openActivationInput(o: {
  path: string;
  tensor?: string;
  evalFraction?: number;
  split: 'train' | 'test';
  limit?: number;
}): Promise<ActivationSet> {
  let set = await openActivations(o.path, { tensor: o.tensor });
  if (o.evalFraction) {
    const s = splitActivations(set, o.evalFraction);
    set = o.split === 'test' ? s.eval : s.train;
  }
  if (o.limit !== undefined && o.limit < set.rows) set = sliceActivations(set, 0, o.limit, set.name);
  return set;
}

/**
 * Opens an activation set for training: the training rows as a shuffled stream (memory: the
 * mixing buffer), the held-out rows streamed when evaluated (at most `evalMaxRows`) and their
 * first EPOCH_EVAL_ROWS in memory, and the normalisation, estimated on a sample of the training
 * rows unless given (a resumed run).
 */
export async function openActivationTraining(o: {
  path: string;
  spec: ActivationSpec;
  seed: number;
  normalise: boolean;
  outlierFactor?: number;
  normalisation?: Normalisation;
  position?: BatchStreamPosition;
  log: (s: string) => void;
}): Promise<ActivationTraining> {
  const { spec } = o;
  const set = await openActivations(o.path, { tensor: spec.tensor });
  let trainSet: ActivationSet = set;
  let evalSet: ActivationSet;
  if (spec.evalDataset !== undefined) {
    evalSet = await openActivations(spec.evalDataset, { tensor: spec.tensor });
    if (evalSet.dim !== set.dim)
      throw new Error(
        `--eval-dataset ${spec.evalDataset}: rows of ${evalSet.dim} values, ${o.path} has ${set.dim}`,
      );
  } else {
    const split = splitActivations(set, spec.evalFraction ?? 0);
    trainSet = split.train;
    evalSet = split.eval;
  }
  if (spec.evalMaxRows !== undefined && evalSet.rows > spec.evalMaxRows)
    evalSet = sliceActivations(evalSet, 0, spec.evalMaxRows, evalSet.name);
  let norm = o.normalisation;
  if (!norm && (o.normalise || o.outlierFactor !== undefined)) {
    const s = await sampleNorms(trainSet, { seed: o.seed, maxNormOfMedian: o.outlierFactor });
    norm = {
      scale: o.normalise ? inputScaleFor(set.dim, s.meanNorm) : 1,
      meanNorm: s.meanNorm,
      medianNorm: s.medianNorm,
      sampledRows: s.rows,
      ...(o.outlierFactor !== undefined
        ? { maxNorm: o.outlierFactor * s.medianNorm, outlierFactor: o.outlierFactor }
        : {}),
    };
    o.log(
      `input norms on ${s.rows} sampled rows: mean ${s.meanNorm.toPrecision(5)}, median ${s.medianNorm.toPrecision(5)}` +
        (o.normalise ? `; inputs scaled by √${set.dim}/mean = ${norm.scale.toPrecision(5)}` : '') +
        (norm.maxNorm !== undefined
          ? `; rows with a norm above ${norm.maxNorm.toPrecision(5)} left out`
          : ''),
    );
  }
  const stream = new ActivationStream(trainSet, {
    seed: o.seed,
    bufferRows: spec.bufferRows,
    ...(o.position ? { position: o.position } : {}),
  });
  const opts = { scale: norm?.scale ?? 1, maxNorm: norm?.maxNorm };
  const sample =
    evalSet.rows > EPOCH_EVAL_ROWS ? sliceActivations(evalSet, 0, EPOCH_EVAL_ROWS, evalSet.name) : evalSet;
  const heldOut = sample.rows > 0 ? await activationsToDataset(sample) : emptySet(sample);
  const test = normaliseDataset(heldOut, opts);
  return {
    train: new NormalisedStream(stream, opts, o.position),
    test: test.data,
    rawTest: heldOut,
    dim: set.dim,
    trainRows: trainSet.rows,
    normalisation: norm,
    excludedTest: test.excluded,
    async evaluateHeldOut(backend, config, params) {
      const metrics = await evaluateActivations(backend, config, params, evalSet, opts);
      return { metrics, excluded: evalSet.rows - metrics.saebench.n };
    },
  };
}

function emptySet(s: ActivationSet): Dataset {
  return { name: s.name, n: 0, dim: s.dim, x: new Float32Array(0) };
}
