import { checkDataset, type Dataset, type DatasetSplits } from '@saekit/core';
import { DatasetError } from './errors.js';
import type { IdxArray } from './idx.js';

/** An IDX array with the path (or name) it was read from, for error messages. */
export interface SourcedIdx {
  readonly source: string;
  readonly array: IdxArray;
}

/** The four IDX arrays of an MNIST-style dataset. */
export interface IdxQuad {
  readonly trainImages: SourcedIdx;
  readonly trainLabels: SourcedIdx;
  readonly testImages: SourcedIdx;
  readonly testLabels: SourcedIdx;
}

const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/**
 * Images ([n, rows, cols], or [n, dim]) and labels ([n]) as a Dataset: pixels become float32
 * byte / 255 in [0, 1]; 3-D images keep `imageShape` [rows, cols].
 * @throws DatasetError when the shapes do not fit together
 */
export function idxToDataset(name: string, images: SourcedIdx, labels: SourcedIdx): Dataset {
  const shape = exampleShape(images);
  const n = images.array.dims[0];
  const ldims = labels.array.dims;
  if (ldims.length !== 1) {
    throw new DatasetError(
      `${labels.source}: expected labels of shape [n], got ${ldims.length}-D ${ldims.join('x')}`,
    );
  }
  if (ldims[0] !== n) {
    throw new DatasetError(`${labels.source}: ${ldims[0]} labels, but ${images.source} has ${n} images`);
  }
  const dim = shape.length === 2 ? shape[0] * shape[1] : shape[0];
  const data = images.array.data;
  const x = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) x[i] = BYTE_TO_UNIT[data[i]];
  const base = { name, x, n, dim, labels: labels.array.data };
  return checkDataset(shape.length === 2 ? { ...base, imageShape: [shape[0], shape[1]] as const } : base);
}

/** The train and test Datasets (`<name>/train`, `<name>/test`) of four IDX arrays; both must have the same example shape. */
export function idxToSplits(name: string, quad: IdxQuad): DatasetSplits {
  const trainShape = exampleShape(quad.trainImages).join('x');
  const testShape = exampleShape(quad.testImages).join('x');
  if (trainShape !== testShape) {
    throw new DatasetError(
      `${quad.testImages.source}: test examples are ${testShape}, but ${quad.trainImages.source} has ${trainShape}`,
    );
  }
  return {
    train: idxToDataset(`${name}/train`, quad.trainImages, quad.trainLabels),
    test: idxToDataset(`${name}/test`, quad.testImages, quad.testLabels),
  };
}

/** The shape of one example ([rows, cols] or [dim]) of images [n, rows, cols] or [n, dim]. */
function exampleShape(images: SourcedIdx): number[] {
  const dims = images.array.dims;
  if (dims.length !== 3 && dims.length !== 2) {
    throw new DatasetError(
      `${images.source}: expected images of shape [n, rows, cols] (or [n, dim]), got ${dims.length}-D ${dims.join('x')}`,
    );
  }
  const shape = dims.slice(1);
  if (shape.some((d) => d === 0))
    throw new DatasetError(`${images.source}: examples have zero size (${dims.join('x')})`);
  return shape;
}
