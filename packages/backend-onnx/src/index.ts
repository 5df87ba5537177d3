export { createOnnxBackend, type OnnxBackend, type OnnxBackendOptions } from './backend.js';
export { InvalidOnnxModelError, NotASaeModelError } from './errors.js';
export { HOST_MIN_VALUES, type OnnxCompileConfig, OnnxExecutable } from './executable.js';
export {
  decodeModel,
  EXPORT_FORMAT,
  EXPORT_NAMES,
  type ExportOptions,
  exportGraph,
  exportSae,
  METADATA_KEYS,
  metadataValue,
  type SaePart,
  writeOnnxFile,
} from './export.js';
export { DynamicBatchError, LOWERED_OPS, type LoweredGraph, type LowerOptions, lowerGraph } from './lower.js';
export { buildModel, type ModelInfo } from './model.js';
export {
  DEFAULT_OPSET,
  IR_VERSION_OF_OPSET,
  MAX_OPSET,
  MIN_OPSET,
  resolveOpset,
  SUPPORTED_OPSETS,
} from './opset.js';
export { type GraphOptimization, type SessionConfig, sessionOptions } from './ort.js';
export { decodeModelProto, encodeModelProto } from './proto/codec.js';
export { readFloatTensor } from './proto/tensor.js';
export * from './proto/types.js';
export { availableProviders, resolveProviders } from './providers.js';
export { type LoadOptions, OnnxSaeModel } from './session.js';
export { PACKAGE_VERSION } from './version.js';
