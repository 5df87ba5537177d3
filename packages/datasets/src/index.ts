export * from './activations/index.js';
export { defaultCacheDir } from './cache.js';
export { FASHION_MNIST_SHA256, MNIST_FILES, MNIST_SHA256 } from './checksums.js';
export { type DownloadFileOptions, type DownloadProgress, downloadFile } from './download.js';
export { DatasetError } from './errors.js';
export {
  DEFAULT_MAX_IDX_BYTES,
  type IdxArray,
  type IdxReadOptions,
  isGzip,
  MAX_INFLATE_RATIO,
  parseIdx,
  readIdxBytes,
  readIdxFile,
} from './idx.js';
export { type LoadIdxDirOptions, loadIdxDir } from './idx-dir.js';
export { DEFAULT_MIRRORS, type LoadMnistOptions, loadMnist, type MnistName } from './mnist.js';
export {
  type SparseCodes,
  type SyntheticSparse,
  type SyntheticSparseOptions,
  syntheticSparse,
} from './synthetic.js';
