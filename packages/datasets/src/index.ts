export * from './activations/index.js';
// What needs no Node module, which is also the browser entry.
export * from './browser.js';
export { defaultCacheDir } from './cache.js';
export { type DownloadFileOptions, type DownloadProgress, downloadFile } from './download.js';
export {
  type IdxReadOptions,
  isGzip,
  parseIdx,
  readIdxBytes,
  readIdxFile,
} from './idx.js';
export { type LoadIdxDirOptions, loadIdxDir } from './idx-dir.js';
export { DEFAULT_MIRRORS, type LoadMnistOptions, loadMnist, type MnistName } from './mnist.js';
