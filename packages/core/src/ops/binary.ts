import { type BinaryKind, Node, type Operand } from '../graph/node.js';
import { broadcastShapes, type Shape, sameShape } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { lift } from './leaves.js';
import { broadcastTo, reshape, sum } from './shape.js';
import { neg } from './unary.js';
import { where } from './where.js';

function binary(kind: BinaryKind, a: Operand, b: Operand): Node {
  const x = lift(a);
  const y = lift(b);
  const op = { kind };
  const shapeOf = (p: Node, q: Node): Shape => binaryShapes[kind](op, [p.shape, q.shape]);
  const shape = shapeOf(x, y);
  // Explicit broadcasts the op would do anyway are dropped, so no backend materialises them (the
  // gradient of a sum is one: broadcastTo(g) · x). Pure algebra: the values are the same.
  const bx = broadcastSource(x);
  const by = broadcastSource(y);
  if (bx && y.size === 1 && y.rank === 0) return broadcastTo(binary(kind, bx, y), shape); // op(bcast(z), s) = bcast(op(z, s))
  if (by && x.size === 1 && x.rank === 0) return broadcastTo(binary(kind, x, by), shape);
  if (bx && sameShape(shapeOf(bx, y), shape)) return binary(kind, bx, y);
  if (by && sameShape(shapeOf(x, by), shape)) return binary(kind, x, by);
  return new Node(op, [x, y], shape);
}

/** NumPy broadcasting of the two operands. */
const broadcast: ShapeRule = (op, [a, b]) => broadcastShapes(op.kind, a, b);
export const binaryShapes: Record<BinaryKind, ShapeRule> = {
  add: broadcast,
  sub: broadcast,
  mul: broadcast,
  div: broadcast,
  maximum: broadcast,
  greater: broadcast,
  greaterEqual: broadcast,
};

/** The operand of an explicit broadcastTo node, else undefined. */
function broadcastSource(n: Node): Node | undefined {
  return n.op.kind === 'broadcastTo' ? n.inputs[0] : undefined;
}

export const add = (a: Operand, b: Operand): Node => binary('add', a, b);
export const sub = (a: Operand, b: Operand): Node => binary('sub', a, b);
export const mul = (a: Operand, b: Operand): Node => binary('mul', a, b);
export const div = (a: Operand, b: Operand): Node => binary('div', a, b);
/** Elementwise max; at a tie the gradient goes to `a`. */
export const maximum = (a: Operand, b: Operand): Node => binary('maximum', a, b);
/** 1 where a > b, else 0. */
export const greater = (a: Operand, b: Operand): Node => binary('greater', a, b);
/** 1 where a >= b, else 0. */
export const greaterEqual = (a: Operand, b: Operand): Node => binary('greaterEqual', a, b);

/**
 * Sums a broadcast cotangent back to the operand's shape: over the leading axes the operand lacks
 * and over the axes where it has size 1. Only `sum` and `reshape`, so every backend runs it.
 */
export function unbroadcast(g: Node, shape: Shape): Node {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  }
  const s = axes.length ? sum(g, axes, false) : g;
  return sameShape(s.shape, shape) ? s : reshape(s, shape);
}

const both = (ga: Node, gb: Node, y: Node): Node[] => [
  unbroadcast(ga, y.inputs[0].shape),
  unbroadcast(gb, y.inputs[1].shape),
];

export const binaryVjps: Record<BinaryKind, VjpRule> = {
  add: (g, y) => both(g, g, y),
  sub: (g, y) => both(g, neg(g), y),
  // x·x (a square) is one term, 2·g·x, rather than two that grad() would add up.
  mul: (g, y) =>
    y.inputs[0] === y.inputs[1]
      ? [mul(mul(g, 2), y.inputs[0]), null] // 2·g first: g is often a broadcast row, so this stays small
      : both(mul(g, y.inputs[1]), mul(g, y.inputs[0]), y),
  // d(a/b)/db = -a/b^2 = -(a/b)/b
  div: (g, y) => both(div(g, y.inputs[1]), neg(div(mul(g, y), y.inputs[1])), y),
  maximum: (g, y) => {
    const aWins = greaterEqual(y.inputs[0], y.inputs[1]);
    return both(where(aWins, g, 0), where(aWins, 0, g), y);
  },
  greater: () => [null, null],
  greaterEqual: () => [null, null],
};
