import type { Op } from './node.js';
import type { Shape } from './shape.js';

/**
 * The ops whose output shape is given to their constructor (a leaf's shape, a reshape's or a
 * broadcast's target) rather than derived from their operands; they have no shape rule.
 */
export type GivenShapeKind = 'input' | 'const' | 'reshape' | 'broadcastTo';

/** An op whose output shape follows from its attributes and its operands' shapes. */
export type DerivedShapeOp = Exclude<Op, { readonly kind: GivenShapeKind }>;

/**
 * A primitive's output shape from its attributes and its operands' shapes; throws ShapeError,
 * naming the op and the shapes, when they do not fit. The op constructors build their nodes with
 * it, so a backend that evaluates it on other shapes (ONNX: at another batch size) gets the same
 * answer the graph would have.
 */
export type ShapeRule<O extends DerivedShapeOp = DerivedShapeOp> = (
  op: O,
  operands: readonly Shape[],
) => Shape;
