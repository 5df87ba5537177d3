import { binarySpecs, nonFiniteSpecs, unarySpecs, whereSpecs } from './elementwise.js';
import type { PrimitiveSpec } from './spec.js';
import { kthLargestSpecs, matmulSpecs, shapeOpSpecs, sumSpecs } from './structural.js';

/** Every primitive's forward cases: the one table every backend's tests and conformance run. */
export function primitiveSpecs(): PrimitiveSpec[] {
  return [
    ...unarySpecs(),
    ...binarySpecs(),
    ...whereSpecs(),
    ...nonFiniteSpecs(),
    ...matmulSpecs(),
    ...sumSpecs(),
    ...shapeOpSpecs(),
    ...kthLargestSpecs(),
  ];
}

export {
  BINARY_SHAPES,
  BINARY_TABLE,
  type BinaryEntry,
  binaryGens,
  binaryName,
  binarySpec,
  type Scale,
  UNARY_SHAPES,
  UNARY_TABLE,
  type UnaryEntry,
  whereSpec,
} from './elementwise.js';
export { vjpSpecs } from './gradients.js';
export {
  checkProblem,
  evaluate,
  evaluateBoth,
  forwardProblem,
  type InputSpec,
  type PairedFeeds,
  type PrimitiveProblem,
  type PrimitiveSpec,
  vjpProblem,
} from './spec.js';
export { broadcastSpec, matmulName, matmulSpec, reshapeSpec, sumSpec, transposeSpec } from './structural.js';
