import type { Dataset, DatasetSplits } from '@saekit/core';
import {
  activationsToDataset,
  loadIdxDir,
  loadMnist,
  openActivations,
  splitActivations,
  syntheticSparse,
} from '@saekit/datasets';
import { isActivationPath } from './activation-data.js';

/** Dataset names that are not paths. */
export const BUILTIN_DATASETS: readonly string[] = ['synthetic', 'mnist', 'fashion-mnist'];

export interface LoadedData {
  readonly name: string;
  readonly splits: DatasetSplits;
  /** The true features of synthetic data, [numFeatures, inputDim], for MMCS. */
  readonly dictionary?: { readonly data: Float32Array; readonly numFeatures: number };
}

export interface DataOptions {
  readonly dataset: string;
  readonly dataDir?: string;
  readonly cacheDir?: string;
  readonly seed: number;
  readonly limit?: number;
  /** Activation sets: the safetensors tensor, and the share of rows that is the test split. */
  readonly tensor?: string;
  readonly evalFraction?: number;
  readonly log: (msg: string) => void;
}

/**
 * synthetic | mnist | fashion-mnist | a directory of IDX files | activations (a `.npy` or
 * `.safetensors` file or a directory of them), loaded into memory (up to 1 GB as float32): the
 * last `evalFraction` of the rows is the test split, or, without it, both splits are all rows.
 */
export async function loadData(o: DataOptions): Promise<LoadedData> {
  let data: LoadedData;
  if (o.dataset === 'synthetic') {
    const s = syntheticSparse({ seed: o.seed });
    data = {
      name: 'synthetic',
      splits: s,
      dictionary: { data: s.dictionary, numFeatures: s.dictionary.length / s.train.dim },
    };
  } else if (o.dataset === 'mnist' || o.dataset === 'fashion-mnist') {
    let last = '';
    const splits = await loadMnist({
      name: o.dataset,
      dir: o.dataDir,
      cacheDir: o.cacheDir,
      onProgress: (e) => {
        if (e.file !== last)
          o.log(`downloading ${e.file}${e.total ? ` (${(e.total / 1e6).toFixed(1)} MB)` : ''}`);
        last = e.file;
      },
    });
    data = { name: o.dataset, splits };
  } else if (await isActivationPath(o.dataset)) {
    const set = await openActivations(o.dataset, { tensor: o.tensor });
    if (o.evalFraction) {
      const s = splitActivations(set, o.evalFraction);
      data = {
        name: o.dataset,
        splits: { train: await activationsToDataset(s.train), test: await activationsToDataset(s.eval) },
      };
    } else {
      const all = await activationsToDataset(set);
      data = { name: o.dataset, splits: { train: all, test: all } };
    }
  } else {
    data = { name: o.dataset, splits: await loadIdxDir(o.dataset) };
  }
  if (o.limit !== undefined)
    data = {
      ...data,
      splits: { train: head(data.splits.train, o.limit), test: head(data.splits.test, o.limit) },
    };
  return data;
}

/** The first n examples (for quick runs and tests). */
function head(d: Dataset, n: number): Dataset {
  if (n >= d.n) return d;
  return { ...d, n, x: d.x.subarray(0, n * d.dim), labels: d.labels?.subarray(0, n) };
}
