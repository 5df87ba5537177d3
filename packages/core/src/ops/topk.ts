import { Node, type Op } from '../graph/node.js';
import { fmt, type Shape, ShapeError } from '../graph/shape.js';
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

/** Checks k against the last axis of x (it must exist and hold at least k values); returns its length. */
export function checkLastAxisK(op: string, k: number, x: Shape): number {
  if (x.length < 1) throw new ShapeError(`${op}: needs at least 1 axis, got ${fmt(x)}`);
  const n = x[x.length - 1];
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ShapeError(`${op}: k=${k} must be an integer in [1, ${n}] for ${fmt(x)}`);
  }
  return n;
}

export const kthLargestShape: ShapeRule<Extract<Op, { kind: 'kthLargest' }>> = ({ k }, [x]) => {
  checkLastAxisK('kthLargest', k, x);
  return Object.freeze([...x.slice(0, -1), 1]);
};

export const kthLargestVjp: VjpRule = () => [null];
