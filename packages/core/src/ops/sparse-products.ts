// The decoder's products when each row of the code has k non-zeros (values `vals`, indices `idx`,
// both [B, k]) out of n, against a weight W [n, d]. The three close under differentiation: each
// one's VJPs are the other two, so a backend that runs these runs every gradient of them.
import { Node, type Op } from '../graph/node.js';
import { fmt, type Shape, ShapeError, sameShape } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { checkIndexable } from './sparse.js';

/** Checks the sparse code: vals and idx both [B, k]. Returns [B, k]. */
function code(op: string, vals: Shape, idx: Shape, valsName = 'vals'): readonly [number, number] {
  if (vals.length !== 2 || !sameShape(vals, idx)) {
    throw new ShapeError(`${op}: ${valsName} ${fmt(vals)} and idx ${fmt(idx)} must both be [B, k]`);
  }
  return [vals[0], vals[1]];
}

function weight(op: string, w: Shape): readonly [number, number] {
  if (w.length !== 2) throw new ShapeError(`${op}: W must be [n, d], got ${fmt(w)}`);
  checkIndexable(op, w[0], w);
  return [w[0], w[1]];
}

/** y[b, :] = Σ_j vals[b, j] · W[idx[b, j], :]: vals, idx [B, k], W [n, d] -> [B, d]. */
export function sparseMatmul(vals: Node, idx: Node, w: Node): Node {
  const op = { kind: 'sparseMatmul' } as const;
  return new Node(op, [vals, idx, w], sparseMatmulShape(op, [vals.shape, idx.shape, w.shape]));
}

export const sparseMatmulShape: ShapeRule = (_op, [vals, idx, w]) => {
  const [b] = code('sparseMatmul', vals, idx);
  const [, d] = weight('sparseMatmul', w);
  return Object.freeze([b, d]);
};

/** y[b, j] = Σ_c x[b, c] · W[idx[b, j], c]: x [B, d], idx [B, k], W [n, d] -> [B, k]. */
export function sparseDot(x: Node, idx: Node, w: Node): Node {
  const op = { kind: 'sparseDot' } as const;
  return new Node(op, [x, idx, w], sparseDotShape(op, [x.shape, idx.shape, w.shape]));
}

export const sparseDotShape: ShapeRule = (_op, [x, idx, w]) => {
  const [, d] = weight('sparseDot', w);
  if (x.length !== 2 || idx.length !== 2 || x[0] !== idx[0] || x[1] !== d) {
    throw new ShapeError(
      `sparseDot: x ${fmt(x)} must be [B, d] with idx ${fmt(idx)} [B, k] and W ${fmt(w)} [n, d]`,
    );
  }
  return Object.freeze([...idx]);
};

/** y [n, d] = 0, then y[idx[b, j], :] += vals[b, j] · x[b, :]: vals, idx [B, k], x [B, d]. */
export function sparseOuter(vals: Node, idx: Node, x: Node, n: number): Node {
  const op = { kind: 'sparseOuter', n } as const;
  return new Node(op, [vals, idx, x], sparseOuterShape(op, [vals.shape, idx.shape, x.shape]));
}

export const sparseOuterShape: ShapeRule<Extract<Op, { kind: 'sparseOuter' }>> = ({ n }, [vals, idx, x]) => {
  const [b] = code('sparseOuter', vals, idx);
  if (x.length !== 2 || x[0] !== b) throw new ShapeError(`sparseOuter: x ${fmt(x)} must be [B=${b}, d]`);
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`sparseOuter: n=${n} must be a positive integer`);
  checkIndexable('sparseOuter', n, [n, x[1]]);
  return Object.freeze([n, x[1]]);
};

export const sparseMatmulVjp: VjpRule = (g, y) => {
  const [vals, idx, w] = y.inputs;
  return [sparseDot(g, idx, w), null, sparseOuter(vals, idx, g, w.shape[0])];
};

export const sparseDotVjp: VjpRule = (g, y) => {
  const [x, idx, w] = y.inputs;
  return [sparseMatmul(g, idx, w), null, sparseOuter(g, idx, x, w.shape[0])];
};

// L = Σ G[idx, c] vals x[b, c]: the gradient into vals is a sparseDot of x against G, into x a
// sparseMatmul of vals against G.
export const sparseOuterVjp: VjpRule = (g, y) => {
  const [vals, idx, x] = y.inputs;
  return [sparseDot(x, idx, g), null, sparseMatmul(vals, idx, g)];
};
