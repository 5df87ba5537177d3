import { Node, type Operand } from '../graph/node.js';
import { broadcastShapes } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { unbroadcast } from './binary.js';
import { lift } from './leaves.js';

/** `a` where `cond` is non-zero, else `b`; all three broadcast together. */
export function where(cond: Node, a: Operand, b: Operand): Node {
  const x = lift(a);
  const y = lift(b);
  const op = { kind: 'where' } as const;
  return new Node(op, [cond, x, y], whereShape(op, [cond.shape, x.shape, y.shape]));
}

/** The condition and both branches broadcast together. */
export const whereShape: ShapeRule = (_op, shapes) => broadcastShapes('where', ...shapes);

export const whereVjp: VjpRule = (g, y) => {
  const [cond, a, b] = y.inputs;
  return [null, unbroadcast(where(cond, g, 0), a.shape), unbroadcast(where(cond, 0, g), b.shape)];
};
