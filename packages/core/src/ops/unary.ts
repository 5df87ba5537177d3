import { Node, type UnaryKind } from '../graph/node.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { div, greater, mul, sub } from './binary.js';
import { constant } from './leaves.js';

function unary(kind: UnaryKind, x: Node): Node {
  const op = { kind };
  return new Node(op, [x], unaryShapes[kind](op, [x.shape]));
}

export const neg = (x: Node): Node => unary('neg', x);
export const exp = (x: Node): Node => unary('exp', x);
export const log = (x: Node): Node => unary('log', x);
export const sqrt = (x: Node): Node => unary('sqrt', x);
export const abs = (x: Node): Node => unary('abs', x);
/** -1, 0 or 1. */
export const sign = (x: Node): Node => unary('sign', x);
export const relu = (x: Node): Node => unary('relu', x);
/** 1 / (1 + e^-x). */
export const sigmoid = (x: Node): Node => unary('sigmoid', x);
/**
 * Identity forward, no gradient backward (PyTorch's `detach`). Straight-through and pseudo-derivative
 * estimators compose from it: `a + (b - stopGradient(b))` has a's value and b's gradient.
 */
export const stopGradient = (x: Node): Node => unary('stopGradient', x);

const same: ShapeRule = (_op, [x]) => x;
export const unaryShapes: Record<UnaryKind, ShapeRule> = {
  neg: same,
  exp: same,
  log: same,
  sqrt: same,
  abs: same,
  sign: same,
  relu: same,
  sigmoid: same,
  stopGradient: same,
};

// Each rule: the cotangent of x from the cotangent g of y = f(x); `y` is the node itself.
export const unaryVjps: Record<UnaryKind, VjpRule> = {
  neg: (g) => [neg(g)],
  exp: (g, y) => [mul(g, y)], // d e^x = e^x
  log: (g, y) => [div(g, y.inputs[0])], // d log x = 1/x
  sqrt: (g, y) => [div(g, mul(y, 2))], // d sqrt x = 1 / (2 sqrt x)
  abs: (g, y) => [mul(g, sign(y.inputs[0]))], // subgradient 0 at 0, as PyTorch
  sign: () => [null],
  relu: (g, y) => [mul(g, greater(y.inputs[0], 0))], // 0 at x = 0, as PyTorch
  sigmoid: (g, y) => [mul(g, mul(y, sub(constant(1), y)))], // s (1 - s)
  stopGradient: () => [null],
};
