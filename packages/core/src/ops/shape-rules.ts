import type { Op } from '../graph/node.js';
import type { Shape } from '../graph/shape.js';
import type { DerivedShapeOp, ShapeRule } from '../graph/shape-rule.js';
import { binaryShapes } from './binary.js';
import { cooDotShape, cooMatmulShape } from './coo.js';
import { matmulShape } from './matmul.js';
import { sumShape, transposeShape } from './shape.js';
import { gatherLastShape, scatterAddLastShape, topkIndicesShape } from './sparse.js';
import { sparseDotShape, sparseMatmulShape, sparseOuterShape } from './sparse-products.js';
import { kthLargestShape } from './topk.js';
import { unaryShapes } from './unary.js';
import { whereShape } from './where.js';

/**
 * The shape rule of every primitive whose shape follows from its operands: the rules the op
 * constructors use, keyed by kind (the type makes a missing rule a compile error).
 */
export const SHAPE_RULES: { readonly [K in DerivedShapeOp['kind']]: ShapeRule<Extract<Op, { kind: K }>> } = {
  ...unaryShapes,
  ...binaryShapes,
  where: whereShape,
  matmul: matmulShape,
  sum: sumShape,
  transpose: transposeShape,
  kthLargest: kthLargestShape,
  topkIndices: topkIndicesShape,
  gatherLast: gatherLastShape,
  scatterAddLast: scatterAddLastShape,
  sparseMatmul: sparseMatmulShape,
  sparseDot: sparseDotShape,
  sparseOuter: sparseOuterShape,
  cooMatmul: cooMatmulShape,
  cooDot: cooDotShape,
};

/** Whether the op's shape follows from its operands (else it was given: see GivenShapeKind). */
export const hasShapeRule = (op: Op): op is DerivedShapeOp => op.kind in SHAPE_RULES;

/** The output shape of `op` on operands of these shapes; throws ShapeError when they do not fit. */
export function inferShape(op: DerivedShapeOp, operands: readonly Shape[]): Shape {
  // The table is keyed by kind, so the rule found takes this op.
  return (SHAPE_RULES[op.kind] as ShapeRule)(op, operands);
}
