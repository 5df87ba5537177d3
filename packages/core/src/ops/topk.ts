import { Node, type Op } from '../graph/node.js';
import { fmt, ShapeError } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';

/**
 * The k-th largest value along the last axis, kept as a size-1 axis: [..., n] -> [..., 1].
 * Meant for masks (`greaterEqual(x, kthLargest(x, k))` keeps the top k), so, like a
 * stop-gradient, no gradient flows through it. Lowers to TopK + ReduceMin in ONNX.
 */
export function kthLargest(x: Node, k: number): Node {
  const op = { kind: 'kthLargest', k } as const;
  return new Node(op, [x], kthLargestShape(op, [x.shape]));
}

export const kthLargestShape: ShapeRule<Extract<Op, { kind: 'kthLargest' }>> = ({ k }, [x]) => {
  if (x.length < 1) throw new ShapeError(`kthLargest: needs at least 1 axis, got ${fmt(x)}`);
  const n = x[x.length - 1];
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ShapeError(`kthLargest: k=${k} must be an integer in [1, ${n}] for ${fmt(x)}`);
  }
  return Object.freeze([...x.slice(0, -1), 1]);
};

export const kthLargestVjp: VjpRule = () => [null];
