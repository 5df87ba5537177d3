export * from './backend.js';
export { grad } from './graph/grad.js';
export { Graph, type GraphSpec } from './graph/graph.js';
export {
  BINARY_KINDS,
  type BinaryKind,
  isBinaryOp,
  isElementwiseOp,
  isUnaryOp,
  Node,
  OP_KINDS,
  type Op,
  type Operand,
  type OpKind,
  SPARSE_KINDS,
  type SparseOp,
  UNARY_KINDS,
  type UnaryKind,
} from './graph/node.js';
export {
  broadcastShapes,
  fmt as formatShape,
  type Shape,
  ShapeError,
  sizeOf,
  stridesOf,
} from './graph/shape.js';
export type { DerivedShapeOp, GivenShapeKind, ShapeRule } from './graph/shape-rule.js';
export { topoSort } from './graph/topo.js';
export { consumersOf, pinnedNodes, useCounts } from './graph/uses.js';
export type { VjpRule } from './graph/vjp.js';
export {
  CHECKPOINT_FILES,
  CheckpointConfigError,
  configFromJson,
  configFromText,
  configToJson,
  decodeWeights,
  encodeWeights,
} from './io/checkpoint.js';
export {
  decodeBf16,
  decodeF16,
  encodeBf16,
  encodeF16,
  f16BitsToFloat,
  floatToBf16Bits,
  floatToF16Bits,
} from './io/float16.js';
export {
  type DecodedSafetensors,
  decodeSafetensors,
  encodeSafetensors,
  type NamedTensor,
  readSafetensorsHeader,
  type SafetensorsEntry,
  SafetensorsError,
  type SafetensorsLayout,
  safetensorsLayout,
  tensorBytes,
  type WriteDtype,
} from './io/safetensors.js';
export {
  readSafetensorsHeaderPrefix,
  type SafetensorsHeader,
  safetensorsHeaderLength,
} from './io/safetensors-header.js';
export { type JsonValue, parseStrictJson, StrictJsonError } from './io/strict-json.js';
export type { BatchStream, BatchStreamPosition } from './nn/batch-stream.js';
export {
  type AnySaeConfig,
  type DecoderActivation,
  type EncoderActivation,
  isModernConfig,
  type SaeConfig,
  SEED_CONFIG,
  type Sparsity,
  validateConfig,
} from './nn/config.js';
export { checkDataset, type Dataset, type DatasetSplits } from './nn/dataset.js';
export { DatasetStream } from './nn/dataset-stream.js';
export { type GeometricMedian, type GeometricMedianOptions, geometricMedian } from './nn/geometric-median.js';
export {
  batchInputs,
  buildForwardGraph,
  buildLossGraph,
  buildTrainStep,
  type Formulation,
  finiteMask,
  rowWeights,
  type TrainStep,
} from './nn/graphs.js';
export type { HostState, HostStateSnapshot } from './nn/host-state.js';
export { type ForwardBatch, ForwardRunner, forwardDataset, streamForward } from './nn/inference.js';
export { foldInputScale, inputScaleFor } from './nn/input-scale.js';
export { klSparsity, type LossParts, l1Sparsity, meanActivation, mseLoss, saeLoss } from './nn/losses.js';
export { evaluate, klDivergence, maxCosinePerFeature, mmcs, type SaeMetrics } from './nn/metrics.js';
export { evaluateStream } from './nn/metrics-stream.js';
export { decode, encode, type Forward, forward, type ParamNodes, paramInputs } from './nn/model.js';
export {
  ARCHITECTURES,
  type Architecture,
  AUXK_DEFAULTS,
  type AuxKConfig,
  type ModernSaeConfig,
  type ResolvedModernConfig,
  usesBatchTopK,
  validateModernConfig,
} from './nn/modern-config.js';
export {
  buildModernForwardGraph,
  buildModernLossGraph,
  type ModernGraphOptions,
  type ModernLossGraph,
  modernLossGraph,
} from './nn/modern-graphs.js';
export { HOST_IO, ModernHostState } from './nn/modern-host.js';
export { DECODER_INIT_NORM, initModernParams } from './nn/modern-init.js';
export {
  auxKLoss,
  auxKLossOf,
  batchVariance,
  decoderRowNorms,
  modernLoss,
  weightedL1,
} from './nn/modern-losses.js';
export {
  auxKHidden,
  batchTopK,
  encoderInput,
  jumpRelu,
  type ModernParamNodes,
  minPositive,
  modernActivation,
  modernDecode,
  modernParamInputs,
  NOT_SELECTED,
  preActivations,
  prefixRecons,
} from './nn/modern-model.js';
export { modernConfigFromSaeLens } from './nn/modern-saelens.js';
export {
  type DecodableCode,
  defaultCandidates,
  defaultFormulation,
  hasSparseFormulation,
  type ModernFormulation,
  perRowCode,
  resolveFormulation,
  SPARSE_ARCHITECTURES,
  type SparseModernInput,
  sparseAuxK,
  sparseModernCode,
  sparseModernForward,
  sparsePrefixRecons,
} from './nn/modern-sparse.js';
export { batchTopKCandidates, batchTopKFlat } from './nn/modern-sparse-batch.js';
export { buildModernTrainStep, clipGradNorm, projectOffRows, unitRows } from './nn/modern-train.js';
export {
  ADAM_DEFAULTS,
  adam,
  type OptimizerConfig,
  type OptimizerGraph,
  optimizer,
  sgd,
  type TrainingOptions,
  usesTrainingOptions,
  validateOptimizer,
} from './nn/optim.js';
export {
  type AnyParamName,
  checkParams,
  initParams,
  PARAM_NAMES,
  type ParamName,
  paramNamesOf,
  paramShapes,
  type SaeParams,
  trainedParamNames,
} from './nn/params.js';
export {
  columnMean,
  SaeBenchAccumulator,
  type SaeBenchMetrics,
  saeBenchMetrics,
} from './nn/saebench-metrics.js';
export {
  batchTopKSparse,
  decodeSparse,
  type SparseCode,
  type SparseForward,
  selectedPre,
  sparseTopKForward,
} from './nn/sparse-topk.js';
export type { ProbeSnapshot, StepRecord } from './nn/train-probe.js';
export {
  type StreamSplits,
  type TrainCheckpoint,
  type TrainEvent,
  type TrainHistory,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  train,
} from './nn/trainer.js';
export * from './ops/index.js';
export { Rng, type RngState } from './rng.js';
