export { decodeBf16, decodeF16, encodeF16, f16BitsToFloat, floatToF16Bits } from '@saekit/core';
export { type ActivationFile, type OpenActivationFile, openNodeFile } from './file.js';
export {
  NormalisedStream,
  type NormaliseOptions,
  type NormSample,
  normaliseDataset,
  sampleNorms,
} from './normalise.js';
export { type NpyHeader, npyHeaderBytes, parseNpyHeader, type ShardDtype } from './npy.js';
export { DEFAULT_READ_BUFFER_BYTES, RowReader } from './row-reader.js';
export { inspectShard, type ShardInfo, type ShardOptions } from './shard.js';
export {
  type ActivationSet,
  openActivations,
  type RowSegment,
  sliceActivations,
  splitActivations,
} from './source.js';
export { ActivationStream, type ActivationStreamOptions } from './stream.js';
export {
  type SyntheticActivations,
  type SyntheticActivationsOptions,
  writeSyntheticActivations,
} from './synthetic-shards.js';
export { activationsToDataset, DEFAULT_MAX_DATASET_BYTES } from './to-dataset.js';
