// Tools to check a backend: tensor comparison, the PyTorch golden cases, the shapes primitives are
// tested on. Used by every backend's tests and by the conformance suite; a third-party backend can
// use them the same way.
export {
  type Comparison,
  compareTensors,
  formatComparisons,
  GOLDEN_TOLERANCE,
  type Tolerance,
} from './compare.js';
export { type GoldenCase, parseGoldenCase, runGoldenCase } from './golden.js';
export {
  BROADCAST_PAIRS,
  EDGE_SHAPES,
  MATMUL_MODES,
  matmulShapes,
  PERMUTATIONS_3D,
} from './shapes.js';
