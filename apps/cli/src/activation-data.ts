import { readdir, stat } from 'node:fs/promises';
import type { BatchStreamPosition, Dataset } from '@saekit/core';
import { inputScaleFor } from '@saekit/core';
import {
  type ActivationSet,
  ActivationStream,
  activationsToDataset,
  NormalisedStream,
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
  /** At most this many held-out rows are loaded (the first ones). */
  readonly evalMaxRows: number;
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

export interface ActivationTraining {
  readonly train: NormalisedStream;
  /** The held-out rows as training sees them (normalised), and as they are on disk. */
  readonly test: Dataset;
  readonly rawTest: Dataset;
  readonly dim: number;
  readonly trainRows: number;
  readonly normalisation?: Normalisation;
  readonly excludedTest: number;
}

/**
 * Opens an activation set for training: the training rows as a shuffled stream (memory: the
 * mixing buffer), the held-out rows in memory (at most `evalMaxRows`), and the normalisation,
 * estimated on a sample of the training rows unless given (a resumed run).
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
  if (evalSet.rows > spec.evalMaxRows) evalSet = sliceActivations(evalSet, 0, spec.evalMaxRows, evalSet.name);
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
  const heldOut = evalSet.rows > 0 ? await activationsToDataset(evalSet) : emptySet(evalSet);
  const test = normaliseDataset(heldOut, opts);
  return {
    train: new NormalisedStream(stream, opts, o.position),
    test: test.data,
    rawTest: heldOut,
    dim: set.dim,
    trainRows: trainSet.rows,
    normalisation: norm,
    excludedTest: test.excluded,
  };
}

function emptySet(s: ActivationSet): Dataset {
  return { name: s.name, n: 0, dim: s.dim, x: new Float32Array(0) };
}
