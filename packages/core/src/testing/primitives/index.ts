import { binarySpecs, nonFiniteSpecs, unarySpecs, whereSpecs } from './elementwise.js';
import { vjpSpecs } from './gradients.js';
import { sparseSpecs } from './sparse.js';
import { type PrimitiveSpec, type TableCheck, tableChecks } from './spec.js';
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
    ...sparseSpecs(),
  ];
}

/**
 * The whole table as checks against a reference, for a backend's own tests:
 * `for (const c of primitiveTableChecks()) it(c.name, () => c.run(backend, reference));`
 */
export function primitiveTableChecks(): TableCheck[] {
  return tableChecks(primitiveSpecs(), vjpSpecs());
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
export { sparseGradSpecs, sparseProductSpec, sparseSpecs } from './sparse.js';
export {
  checkProblem,
  evaluate,
  evaluateBoth,
  forwardProblem,
  type InputSpec,
  type PairedFeeds,
  type PrimitiveProblem,
  type PrimitiveSpec,
  type TableCheck,
  vjpProblem,
} from './spec.js';
export { broadcastSpec, matmulName, matmulSpec, reshapeSpec, sumSpec, transposeSpec } from './structural.js';
