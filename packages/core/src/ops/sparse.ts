// Sparse TopK as primitives: the k largest per row as indices, and gathering / scatter-adding
// along the last axis by such indices. Indices travel as float32-encoded integers (every backend
// has float tensors; ONNX casts them to int64 at the edge), exact while n <= 2^24.
import { Node, type Op } from '../graph/node.js';
import { fmt, type Shape, ShapeError, sameShape } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { checkLastAxisK } from './topk.js';

/** The largest n whose indices 0..n-1 float32 holds exactly. */
export const MAX_INDEXED = 2 ** 24;

/** Throws unless `n` is a size whose indices float32 represents exactly. */
export function checkIndexable(op: string, n: number, shape: Shape): void {
  if (n > MAX_INDEXED) {
    throw new ShapeError(
      `${op}: axis of ${n} in ${fmt(shape)} is too long for float32-encoded indices (at most 2^24 = ${MAX_INDEXED})`,
    );
  }
}

/**
 * Indices of the k largest values along the last axis, [..., n] -> [..., k], in descending order of
 * value; equal values lowest index first; NaN ranks above +Inf (as `kthLargest`). Selects only,
 * so no gradient flows through it.
 */
export function topkIndices(x: Node, k: number): Node {
  const op = { kind: 'topkIndices', k } as const;
  return new Node(op, [x], topkIndicesShape(op, [x.shape]));
}

export const topkIndicesShape: ShapeRule<Extract<Op, { kind: 'topkIndices' }>> = ({ k }, [x]) => {
  checkIndexable('topkIndices', checkLastAxisK('topkIndices', k, x), x);
  return Object.freeze([...x.slice(0, -1), k]);
};

/** y[..., j] = x[..., idx[..., j]]: x [..., n], idx [..., k] with the same leading axes. */
export function gatherLast(x: Node, idx: Node): Node {
  const op = { kind: 'gatherLast' } as const;
  return new Node(op, [x, idx], gatherLastShape(op, [x.shape, idx.shape]));
}

/** Same rank, same leading axes; the output takes idx's shape. */
function sameLeading(op: string, a: Shape, b: Shape, aName: string, bName: string): void {
  if (a.length < 1 || a.length !== b.length || !sameShape(a.slice(0, -1), b.slice(0, -1))) {
    throw new ShapeError(
      `${op}: ${aName} ${fmt(a)} and ${bName} ${fmt(b)} must have the same rank (>= 1) and the same leading axes`,
    );
  }
}

export const gatherLastShape: ShapeRule = (_op, [x, idx]) => {
  sameLeading('gatherLast', x, idx, 'x', 'idx');
  checkIndexable('gatherLast', x[x.length - 1], x);
  return Object.freeze([...idx]);
};

/** y [..., n] = 0, then y[..., idx[..., j]] += v[..., j]: v and idx [..., k]. Repeats add up. */
export function scatterAddLast(v: Node, idx: Node, n: number): Node {
  const op = { kind: 'scatterAddLast', n } as const;
  return new Node(op, [v, idx], scatterAddLastShape(op, [v.shape, idx.shape]));
}

export const scatterAddLastShape: ShapeRule<Extract<Op, { kind: 'scatterAddLast' }>> = ({ n }, [v, idx]) => {
  if (!sameShape(v, idx) || v.length < 1) {
    throw new ShapeError(
      `scatterAddLast: v ${fmt(v)} and idx ${fmt(idx)} must have the same shape (rank >= 1)`,
    );
  }
  if (!Number.isInteger(n) || n < 1)
    throw new ShapeError(`scatterAddLast: n=${n} must be a positive integer`);
  checkIndexable('scatterAddLast', n, [...v.slice(0, -1), n]);
  return Object.freeze([...v.slice(0, -1), n]);
};

export const topkIndicesVjp: VjpRule = () => [null];
export const gatherLastVjp: VjpRule = (g, y) => {
  const [x, idx] = y.inputs;
  return [scatterAddLast(g, idx, x.shape[x.rank - 1]), null];
};
export const scatterAddLastVjp: VjpRule = (g, y) => [gatherLast(g, y.inputs[1]), null];
