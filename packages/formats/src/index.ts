/**
 * @saekit/formats: published SAEs read and written, in Node or a browser (this entry uses no Node
 * built-ins; file handles and directories are in `@saekit/formats/node`).
 */
export { DTYPE_BYTES, type FloatDtype, isFloatDtype } from './dtype.js';
export { distinctBatch, ENCODER_NAMES, type EncoderGraph, encoderGraph } from './encoder-graph.js';
export { SaeFormatError } from './errors.js';
export { memoryFiles, type SaeFiles, urlFiles } from './files.js';
export { GEMMA_SCOPE_FILES, gemmaScopeFromArrays } from './gemma-scope.js';
export { type ColumnOptions, LazySafetensors } from './lazy-safetensors.js';
export { LLAMA_SCOPE_FILES } from './llama-scope.js';
export { detectFormat, type LoadOptions, loadSae } from './load.js';
export { fromModernSaekit, type ToModernOptions, toModernSaekit } from './modern.js';
export { type NpyArray, parseNpy } from './npy.js';
export { parseNpz } from './npz.js';
export {
  ARCHITECTURES,
  checkLoaded,
  type ForwardSettings,
  type LoadedSae,
  paramShapesOf,
  type SaeArchitecture,
  type SaeFormat,
  type SaeParamName,
} from './sae.js';
export { fromSaekit, toSaekit } from './saekit.js';
export { SAELENS_FILES, type SaeLensOptions, saeLensSettings } from './saelens.js';
export { type ByteSource, memorySource, readAll, type UrlSourceOptions, urlSource } from './source.js';
export { SPARSIFY_FILES } from './sparsify.js';
export type { Tensor } from './tensor.js';
export { saeLensFiles, sparsifyFiles } from './write.js';
