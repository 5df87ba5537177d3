// Products on a code in coordinate form: entry e has a value, a destination row dst[e] and a source
// row src[e] of its own, where the [B, k] products (sparse-products.ts) tie k entries to each row.
// BatchTopK's selection over the whole batch is such a code: K entries, any number to a row. The two
// close under differentiation (each VJP is one of them with dst and src swapped), so the gradients
// never form a [K, d] matrix of gathered rows.
import { Node, type Op } from '../graph/node.js';
import { fmt, type Shape, ShapeError, sameShape } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';
import { checkIndexable } from './sparse.js';

/** Checks the code's operands, named: one shape (any rank ≥ 1), an entry each. */
function entries(op: string, operands: readonly (readonly [string, Shape])[]): void {
  const [first] = operands;
  if (first[1].length < 1 || operands.some(([, s]) => !sameShape(s, first[1]))) {
    const names = operands.map(([name, s]) => `${name} ${fmt(s)}`);
    throw new ShapeError(
      `${op}: ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} must have one shape (an entry each)`,
    );
  }
}

function matrix(op: string, name: string, s: Shape): readonly [number, number] {
  if (s.length !== 2) throw new ShapeError(`${op}: ${name} must be a matrix [rows, d], got ${fmt(s)}`);
  checkIndexable(op, s[0], s);
  return [s[0], s[1]];
}

/**
 * y [n, d] = 0, then y[dst[e], :] += vals[e] · x[src[e], :] for every entry e: vals, dst, src of one
 * shape, x [m, d]. The decoder of a batch-wide code (dst a row of the batch, src a latent, x W_dec)
 * and its weight gradient (dst the latent, src the row, x the output's gradient).
 */
export function cooMatmul(vals: Node, dst: Node, src: Node, x: Node, n: number): Node {
  const op = { kind: 'cooMatmul', n } as const;
  return new Node(op, [vals, dst, src, x], cooMatmulShape(op, [vals.shape, dst.shape, src.shape, x.shape]));
}

export const cooMatmulShape: ShapeRule<Extract<Op, { kind: 'cooMatmul' }>> = ({ n }, [vals, dst, src, x]) => {
  entries('cooMatmul', [
    ['vals', vals],
    ['dst', dst],
    ['src', src],
  ]);
  const [, d] = matrix('cooMatmul', 'x', x);
  if (!Number.isInteger(n) || n < 1) throw new ShapeError(`cooMatmul: n=${n} must be a positive integer`);
  checkIndexable('cooMatmul', n, [n, d]);
  return Object.freeze([n, d]);
};

/**
 * y[e] = a[dst[e], :] · x[src[e], :] for every entry e, y of dst's shape: a [n, d], x [m, d]. A
 * batch-wide code's pre-activations (a the encoder's input, x W_encᵀ) and the gradient into its values.
 */
export function cooDot(a: Node, dst: Node, src: Node, x: Node): Node {
  const op = { kind: 'cooDot' } as const;
  return new Node(op, [a, dst, src, x], cooDotShape(op, [a.shape, dst.shape, src.shape, x.shape]));
}

export const cooDotShape: ShapeRule = (_op, [a, dst, src, x]) => {
  entries('cooDot', [
    ['dst', dst],
    ['src', src],
  ]);
  const [, da] = matrix('cooDot', 'a', a);
  const [, d] = matrix('cooDot', 'x', x);
  if (da !== d) throw new ShapeError(`cooDot: a ${fmt(a)} and x ${fmt(x)} must have the same row length`);
  return Object.freeze([...dst]);
};

// L = Σ_e G[dst_e]·vals_e x[src_e]: into vals the dots of G's and x's rows, into x each entry's
// value times G's row, added at src (the same product, dst and src swapped).
export const cooMatmulVjp: VjpRule = (g, y) => {
  const [vals, dst, src, x] = y.inputs;
  return [cooDot(g, dst, src, x), null, null, cooMatmul(vals, src, dst, g, x.shape[0])];
};

export const cooDotVjp: VjpRule = (g, y) => {
  const [a, dst, src, x] = y.inputs;
  return [cooMatmul(g, dst, src, x, a.shape[0]), null, null, cooMatmul(g, src, dst, a, x.shape[0])];
};
