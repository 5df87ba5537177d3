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
  type WriteDtype,
} from './io/safetensors.js';
export {
  readSafetensorsHeaderPrefix,
  type SafetensorsHeader,
  safetensorsHeaderLength,
} from './io/safetensors-header.js';
export { type JsonValue, parseStrictJson, StrictJsonError } from './io/strict-json.js';
export type { BatchStream, BatchStreamPosition } from './nn/batch-stream.js';
export type { HostState, HostStateSnapshot } from './nn/host-state.js';
export {
  type DecoderActivation,
  type EncoderActivation,
  type SaeConfig,
  SEED_CONFIG,
  type Sparsity,
  validateConfig,
} from './nn/config.js';
export { checkDataset, type Dataset, type DatasetSplits } from './nn/dataset.js';
export {
  batchInputs,
  buildForwardGraph,
  buildLossGraph,
  buildTrainStep,
  finiteMask,
  rowWeights,
  type TrainStep,
} from './nn/graphs.js';
export { type ForwardBatch, ForwardRunner, forwardDataset, streamForward } from './nn/inference.js';
export { klSparsity, type LossParts, l1Sparsity, meanActivation, mseLoss, saeLoss } from './nn/losses.js';
export { evaluate, klDivergence, mmcs, type SaeMetrics } from './nn/metrics.js';
export { decode, encode, type Forward, forward, type ParamNodes, paramInputs } from './nn/model.js';
export {
  ADAM_DEFAULTS,
  adam,
  type OptimizerConfig,
  type OptimizerGraph,
  optimizer,
  sgd,
  validateOptimizer,
} from './nn/optim.js';
export {
  checkParams,
  initParams,
  PARAM_NAMES,
  type ParamName,
  paramShapes,
  type SaeParams,
} from './nn/params.js';
export {
  type TrainEvent,
  type TrainHistory,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  train,
} from './nn/trainer.js';
export * from './ops/index.js';
export { Rng } from './rng.js';
