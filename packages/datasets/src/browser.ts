// The browser entry (package.json `exports` condition "browser"): what needs no file system or
// network module. Files in a page come as bytes (File, Blob, fetch): an IDX file's go through
// IdxAssembler (gunzipped first with the page's DecompressionStream); shard files are not here.

// A page reads an inputs .npy beside a run from its bytes.
export { type NpyHeader, parseNpyHeader } from './activations/npy.js';
export { FASHION_MNIST_SHA256, MNIST_FILES, MNIST_SHA256 } from './checksums.js';
export { DatasetError } from './errors.js';
export { DEFAULT_MAX_IDX_BYTES, type IdxArray, IdxAssembler, MAX_INFLATE_RATIO } from './idx-reader.js';
export { idxToDataset, type SourcedIdx } from './splits.js';
export {
  type SparseCodes,
  type SyntheticSparse,
  type SyntheticSparseOptions,
  syntheticSparse,
} from './synthetic.js';
