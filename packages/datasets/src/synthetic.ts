import { checkDataset, type Dataset, Rng } from '@saekit/core';

export interface SyntheticSparseOptions {
  /** Integer seed; the same options give the same data. Default 0. */
  seed?: number;
  /** Features per example (the dimension of x). Default 64. */
  inputDim?: number;
  /** Number of dictionary atoms (true features). Default 128. */
  numFeatures?: number;
  /** Atoms summed per example, distinct, 1..numFeatures. Default 4. */
  activePerExample?: number;
  /** Default 50000. */
  nTrain?: number;
  /** Default 5000. */
  nTest?: number;
}

/** The ground-truth sparse code of each example: `k = activePerExample` entries per example. */
export interface SparseCodes {
  /** [n, k] feature indices, distinct within an example, in the order they were drawn. */
  readonly indices: Uint32Array;
  /** [n, k] coefficients in [0, 1), matching `indices`. */
  readonly coefs: Float32Array;
}

export interface SyntheticSparse {
  readonly train: Dataset;
  readonly test: Dataset;
  /** [numFeatures, inputDim] row-major; each row a unit vector. */
  readonly dictionary: Float32Array;
  /** The codes that produced `train.x` and `test.x`. */
  readonly codes: { readonly train: SparseCodes; readonly test: SparseCodes };
}

/**
 * Synthetic data with a known sparse dictionary, for checking that an SAE recovers it.
 *
 * The recipe, for seed `s`, d = inputDim, m = numFeatures, k = activePerExample:
 * 1. `master = new Rng(s)`; three sub-seeds are drawn with `master.nextUint32()`, in this order:
 *    dictionary, train, test (so the test set does not depend on nTrain, nor the dictionary on either).
 * 2. Dictionary: with `new Rng(dictionarySeed)`, for each row in order, d values `rng.normal()`, then
 *    the row is divided by its Euclidean norm (computed in float64; a zero row is redrawn).
 * 3. Each split, with its own `new Rng(splitSeed)` and a working array `perm = [0, 1, ..., m-1]` kept
 *    across the split's examples: for each example, for j = 0..k-1: `r = j + rng.int(m - j)`, swap
 *    perm[j] and perm[r], feature `f = perm[j]`, then `coef = rng.uniform()` (in [0, 1)). This is a
 *    partial Fisher-Yates shuffle, so the k features are distinct and uniformly random.
 *    `x = sum_j coef_j * dictionary[f_j]`, summed in order j = 0..k-1, each product computed in float64 and the running sum stored as float32.
 * Values of x can be negative (dictionary entries are), the coefficients never are.
 * @throws RangeError for options that are not non-negative integers or k > numFeatures
 */
export function syntheticSparse(options: SyntheticSparseOptions = {}): SyntheticSparse {
  const {
    seed = 0,
    inputDim = 64,
    numFeatures = 128,
    activePerExample = 4,
    nTrain = 50000,
    nTest = 5000,
  } = options;
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`syntheticSparse: seed must be an integer, got ${seed}`);
  }
  checkInt('inputDim', inputDim, 1);
  checkInt('numFeatures', numFeatures, 1);
  checkInt('activePerExample', activePerExample, 1);
  checkInt('nTrain', nTrain, 0);
  checkInt('nTest', nTest, 0);
  if (activePerExample > numFeatures) {
    throw new RangeError(
      `syntheticSparse: activePerExample (${activePerExample}) must be <= numFeatures (${numFeatures})`,
    );
  }
  const master = new Rng(seed);
  const dictSeed = master.nextUint32();
  const trainSeed = master.nextUint32();
  const testSeed = master.nextUint32();
  const dictionary = makeDictionary(new Rng(dictSeed), numFeatures, inputDim);
  const train = makeSplit(new Rng(trainSeed), dictionary, numFeatures, inputDim, activePerExample, nTrain);
  const test = makeSplit(new Rng(testSeed), dictionary, numFeatures, inputDim, activePerExample, nTest);
  return {
    train: checkDataset({ name: 'synthetic-sparse/train', x: train.x, n: nTrain, dim: inputDim }),
    test: checkDataset({ name: 'synthetic-sparse/test', x: test.x, n: nTest, dim: inputDim }),
    dictionary,
    codes: { train: train.codes, test: test.codes },
  };
}

function checkInt(name: string, v: number, min: number): void {
  if (!Number.isSafeInteger(v) || v < min) {
    throw new RangeError(`syntheticSparse: ${name} must be an integer >= ${min}, got ${v}`);
  }
}

function makeDictionary(rng: Rng, m: number, d: number): Float32Array {
  const dict = new Float32Array(m * d);
  const row = new Float64Array(d);
  for (let f = 0; f < m; f++) {
    let norm = 0;
    while (norm === 0) {
      let sq = 0;
      for (let t = 0; t < d; t++) {
        row[t] = rng.normal();
        sq += row[t] * row[t];
      }
      norm = Math.sqrt(sq);
    }
    for (let t = 0; t < d; t++) dict[f * d + t] = row[t] / norm;
  }
  return dict;
}

function makeSplit(
  rng: Rng,
  dict: Float32Array,
  m: number,
  d: number,
  k: number,
  n: number,
): { x: Float32Array; codes: SparseCodes } {
  const x = new Float32Array(n * d);
  const indices = new Uint32Array(n * k);
  const coefs = new Float32Array(n * k);
  const perm = Uint32Array.from({ length: m }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const r = j + rng.int(m - j);
      const f = perm[r];
      perm[r] = perm[j];
      perm[j] = f;
      const coef = Math.fround(rng.uniform());
      indices[i * k + j] = f;
      coefs[i * k + j] = coef;
      for (let t = 0; t < d; t++) x[i * d + t] += coef * dict[f * d + t];
    }
  }
  return { x, codes: { indices, coefs } };
}
