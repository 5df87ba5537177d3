// The browser entry (package.json `exports` condition "browser"): what needs no file system or
// network module. Files in a page come as bytes (File, Blob, fetch); the readers of those bytes
// that need Node (IDX's gunzip, shard files) are not here.
export { FASHION_MNIST_SHA256, MNIST_FILES, MNIST_SHA256 } from './checksums.js';
export { DatasetError } from './errors.js';
export {
  type SparseCodes,
  type SyntheticSparse,
  type SyntheticSparseOptions,
  syntheticSparse,
} from './synthetic.js';
