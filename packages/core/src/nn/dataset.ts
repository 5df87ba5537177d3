/**
 * A dataset in memory: `n` examples of `dim` float32 features, row-major. Images keep their
 * `imageShape` ([rows, cols]) so figures can draw them; labels are optional.
 */
export interface Dataset {
  readonly name: string;
  readonly x: Float32Array;
  readonly n: number;
  readonly dim: number;
  readonly labels?: Uint8Array;
  readonly imageShape?: readonly [number, number];
}

/** A train / test pair, as every loader returns it. */
export interface DatasetSplits {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** Checks that `x` holds exactly `n * dim` values and that the labels, if any, match `n`. */
export function checkDataset(d: Dataset): Dataset {
  if (!Number.isInteger(d.n) || d.n < 0 || !Number.isInteger(d.dim) || d.dim <= 0) {
    throw new RangeError(`dataset ${d.name}: bad size n=${d.n}, dim=${d.dim}`);
  }
  if (d.x.length !== d.n * d.dim) {
    throw new RangeError(
      `dataset ${d.name}: x has ${d.x.length} values, expected n*dim = ${d.n}*${d.dim} = ${d.n * d.dim}`,
    );
  }
  if (d.labels && d.labels.length !== d.n) {
    throw new RangeError(`dataset ${d.name}: ${d.labels.length} labels for ${d.n} examples`);
  }
  if (d.imageShape && d.imageShape[0] * d.imageShape[1] !== d.dim) {
    throw new RangeError(
      `dataset ${d.name}: imageShape ${d.imageShape.join('x')} does not hold dim ${d.dim}`,
    );
  }
  return d;
}
