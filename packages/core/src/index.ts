export * from './backend.js';
export { Graph, type GraphSpec } from './graph/graph.js';
export { grad } from './graph/grad.js';
export { BINARY_KINDS, type BinaryKind, Node, type Op, type OpKind, type Operand, UNARY_KINDS, type UnaryKind } from './graph/node.js';
export { broadcastShapes, fmt as formatShape, type Shape, ShapeError, sizeOf, stridesOf } from './graph/shape.js';
export { topoSort } from './graph/topo.js';
export type { VjpRule } from './graph/vjp.js';
export * from './ops/index.js';
export { type Dataset, type DatasetSplits, checkDataset } from './nn/dataset.js';
export { Rng } from './rng.js';
export {
  type DecoderActivation,
  type EncoderActivation,
  SEED_CONFIG,
  type SaeConfig,
  type Sparsity,
  validateConfig,
} from './nn/config.js';
export {
  batchInputs,
  buildForwardGraph,
  buildLossGraph,
  buildTrainStep,
  isFinite,
  rowWeights,
  type TrainStep,
} from './nn/graphs.js';
export { klSparsity, l1Sparsity, type LossParts, meanActivation, mseLoss, saeLoss } from './nn/losses.js';
export { decode, encode, type Forward, forward, type ParamNodes, paramInputs } from './nn/model.js';
export { ADAM_DEFAULTS, adam, type OptimizerConfig, type OptimizerGraph, optimizer, sgd, validateOptimizer } from './nn/optim.js';
export { checkParams, initParams, PARAM_NAMES, type ParamName, paramShapes, type SaeParams } from './nn/params.js';
export { evaluate, klDivergence, mmcs, type SaeMetrics } from './nn/metrics.js';
export { type ForwardBatch, forwardDataset, streamForward } from './nn/inference.js';
export {
  type TrainEvent,
  type TrainHistory,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  train,
} from './nn/trainer.js';
export { CHECKPOINT_FILES, configFromJson, configToJson, decodeWeights, encodeWeights } from './io/checkpoint.js';
export { decodeSafetensors, type DecodedSafetensors, encodeSafetensors, type NamedTensor, SafetensorsError } from './io/safetensors.js';
