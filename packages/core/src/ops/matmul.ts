import { Node } from '../graph/node.js';
import { fmt, ShapeError } from '../graph/shape.js';
import type { VjpRule } from '../graph/vjp.js';

export interface MatmulOptions {
  /** Use aᵀ: a is stored [k, m]. */
  readonly transA?: boolean;
  /** Use bᵀ: b is stored [n, k]. */
  readonly transB?: boolean;
}

/** 2-D matrix product op(a) · op(b), op = transpose where asked (ONNX Gemm without the bias). */
export function matmul(a: Node, b: Node, opts: MatmulOptions = {}): Node {
  const transA = opts.transA ?? false;
  const transB = opts.transB ?? false;
  if (a.rank !== 2 || b.rank !== 2) {
    throw new ShapeError(`matmul: both operands must be 2-D, got a ${fmt(a.shape)} and b ${fmt(b.shape)}`);
  }
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (ka !== kb) {
    const ta = transA ? 'ᵀ' : '';
    const tb = transB ? 'ᵀ' : '';
    throw new ShapeError(
      `matmul: inner dimensions differ: a${ta} ${fmt(a.shape)} gives k=${ka}, b${tb} ${fmt(b.shape)} gives k=${kb}`,
    );
  }
  return new Node({ kind: 'matmul', transA, transB }, [a, b], Object.freeze([m, n]));
}

// C = op(A) op(B). Each case writes dA, dB as one more matmul with flags, never a transposed copy.
export const matmulVjp: VjpRule = (g, y) => {
  if (y.op.kind !== 'matmul') throw new Error('unreachable');
  const [a, b] = y.inputs;
  const { transA, transB } = y.op;
  if (!transA && !transB) return [matmul(g, b, { transB: true }), matmul(a, g, { transA: true })];
  if (transA && !transB) return [matmul(b, g, { transB: true }), matmul(a, g)];
  if (!transA && transB) return [matmul(g, b), matmul(g, a, { transA: true })];
  return [matmul(b, g, { transA: true, transB: true }), matmul(g, a, { transA: true, transB: true })];
};
