// Tools to check a backend: tensor comparison, the float64 reference backend, the primitive table,
// the PyTorch golden cases, the shapes primitives are tested on. Used by every backend's tests and
// by the conformance suite; a third-party backend can use them the same way. No Node built-ins:
// importable in a browser.
export {
  type Comparison,
  compareTensors,
  formatComparisons,
  GOLDEN_TOLERANCE,
  type Tolerance,
} from './compare.js';
export * as gens from './gens.js';
export {
  awayFromZero,
  type Gen,
  ints,
  makeTensor,
  mask,
  nonBinaryCond,
  nonFinite,
  normal,
  rngFor,
  seedOf,
  shapeName,
  uniform,
  withZeros,
} from './gens.js';
export { type GoldenCase, parseGoldenCase, runGoldenCase } from './golden.js';
export {
  isModernGoldenDoc,
  type ModernGoldenCase,
  parseModernGoldenCase,
  runModernGoldenCase,
} from './modern-golden.js';
export * from './primitives/index.js';
export { createReferenceBackend, evaluateGraph } from './reference/backend.js';
export { BINARY_FN, KERNELS as REFERENCE_KERNELS, UNARY_FN } from './reference/kernels.js';
export {
  BROADCAST_PAIRS,
  EDGE_SHAPES,
  MATMUL_MODES,
  matmulShapes,
  PERMUTATIONS_3D,
} from './shapes.js';
export { MAGNITUDE_TOLERANCE, PRIMITIVE_TOLERANCE, VJP_TOLERANCE } from './tolerances.js';
