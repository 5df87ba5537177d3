import { Node, type Op } from '../graph/node.js';
import {
  broadcastShapes,
  checkShape,
  fmt,
  normalizeAxes,
  type Shape,
  ShapeError,
  sameShape,
  sizeOf,
} from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { unbroadcast } from './binary.js';
import { constant } from './leaves.js';

/** Same values, new shape; one dimension may be -1 (inferred). */
export function reshape(x: Node, shape: Shape): Node {
  const known = shape.filter((d) => d !== -1);
  const free = shape.length - known.length;
  if (free > 1) throw new ShapeError(`reshape: at most one -1 in ${fmt(shape)}`);
  let s = shape;
  if (free === 1) {
    const k = sizeOf(known);
    if (k === 0 || x.size % k !== 0)
      throw new ShapeError(`reshape: cannot reshape ${fmt(x.shape)} to ${fmt(shape)}`);
    s = shape.map((d) => (d === -1 ? x.size / k : d));
  }
  const out = checkShape('reshape', s);
  if (sizeOf(out) !== x.size) {
    throw new ShapeError(`reshape: ${fmt(x.shape)} has ${x.size} values, ${fmt(out)} holds ${sizeOf(out)}`);
  }
  return sameShape(out, x.shape) ? x : new Node({ kind: 'reshape' }, [x], out);
}

/** Permutes the axes: output axis i is input axis perm[i]. Default: reverse all axes. */
export function transpose(x: Node, perm?: readonly number[]): Node {
  const p = perm ?? x.shape.map((_, i) => x.rank - 1 - i);
  const op = { kind: 'transpose', perm: Object.freeze([...p]) } as const;
  return new Node(op, [x], transposeShape(op, [x.shape]));
}

export const transposeShape: ShapeRule<Extract<Op, { kind: 'transpose' }>> = ({ perm }, [x]) => {
  const ok = perm.length === x.length && [...perm].sort((a, b) => a - b).every((v, i) => v === i);
  if (!ok)
    throw new ShapeError(`transpose: perm [${perm.join(',')}] is not a permutation of the axes of ${fmt(x)}`);
  return Object.freeze(perm.map((a) => x[a]));
};

/** Broadcasts to `shape` by NumPy rules (the result must be exactly `shape`). */
export function broadcastTo(x: Node, shape: Shape): Node {
  const s = checkShape('broadcastTo', shape);
  const b = broadcastShapes('broadcastTo', x.shape, s);
  if (!sameShape(b, s)) throw new ShapeError(`broadcastTo: ${fmt(x.shape)} does not broadcast to ${fmt(s)}`);
  return sameShape(x.shape, s) ? x : new Node({ kind: 'broadcastTo' }, [x], s);
}

/** Sum over `axes` (all axes when omitted). */
export function sum(x: Node, axes?: readonly number[], keepDims = false): Node {
  const ax = normalizeAxes('sum', axes ?? x.shape.map((_, i) => i), x.rank);
  const op = { kind: 'sum', axes: Object.freeze(ax), keepDims } as const;
  return new Node(op, [x], sumShape(op, [x.shape]));
}

/** The summed axes dropped, or kept as 1 with `keepDims`. */
export const sumShape: ShapeRule<Extract<Op, { kind: 'sum' }>> = ({ axes, keepDims }, [x]) => {
  const ax = normalizeAxes('sum', axes, x.length);
  return Object.freeze(
    keepDims ? x.map((d, i) => (ax.includes(i) ? 1 : d)) : x.filter((_, i) => !ax.includes(i)),
  );
};

/** Zeros of a shape: one broadcast scalar. */
export function zeros(shape: Shape): Node {
  return broadcastTo(constant(0), shape);
}

export const shapeVjps: { reshape: VjpRule; transpose: VjpRule; broadcastTo: VjpRule; sum: VjpRule } = {
  reshape: (g, y) => [reshape(g, y.inputs[0].shape)],
  transpose: (g, y) => {
    if (y.op.kind !== 'transpose') throw new Error('unreachable');
    const inv = new Array<number>(y.rank);
    y.op.perm.forEach((a, i) => {
      inv[a] = i;
    });
    return [transpose(g, inv)];
  },
  broadcastTo: (g, y) => [unbroadcast(g, y.inputs[0].shape)],
  sum: (g, y) => {
    if (y.op.kind !== 'sum') throw new Error('unreachable');
    const x = y.inputs[0];
    const axes = y.op.axes;
    const kept = y.op.keepDims
      ? g
      : reshape(
          g,
          x.shape.map((d, i) => (axes.includes(i) ? 1 : d)),
        );
    return [broadcastTo(kept, x.shape)];
  },
};
