import type { Dataset, DatasetSplits } from '@saekit/core';
import { loadIdxDir, loadMnist, syntheticSparse } from '@saekit/datasets';

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
  readonly log: (msg: string) => void;
}

/** synthetic | mnist | fashion-mnist | a directory of IDX files. */
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
