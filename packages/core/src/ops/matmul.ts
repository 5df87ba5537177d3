import { Node, type Op } from '../graph/node.js';
import { fmt, ShapeError } from '../graph/shape.js';
import type { ShapeRule } from '../graph/shape-rule.js';
import type { VjpRule } from '../graph/vjp.js';

export interface MatmulOptions {
  /** Use aᵀ: a is stored [k, m]. */
  readonly transA?: boolean;
  /** Use bᵀ: b is stored [n, k]. */
  readonly transB?: boolean;
}

/** 2-D matrix product op(a) · op(b), op = transpose where asked (ONNX Gemm without the bias). */
export function matmul(a: Node, b: Node, opts: MatmulOptions = {}): Node {
  const op = { kind: 'matmul', transA: opts.transA ?? false, transB: opts.transB ?? false } as const;
  return new Node(op, [a, b], matmulShape(op, [a.shape, b.shape]));
}

export const matmulShape: ShapeRule<Extract<Op, { kind: 'matmul' }>> = ({ transA, transB }, [a, b]) => {
  if (a.length !== 2 || b.length !== 2) {
    throw new ShapeError(`matmul: both operands must be 2-D, got a ${fmt(a)} and b ${fmt(b)}`);
  }
  const [m, ka] = transA ? [a[1], a[0]] : a;
  const [kb, n] = transB ? [b[1], b[0]] : b;
  if (ka !== kb) {
    const ta = transA ? 'ᵀ' : '';
    const tb = transB ? 'ᵀ' : '';
    throw new ShapeError(
      `matmul: inner dimensions differ: a${ta} ${fmt(a)} gives k=${ka}, b${tb} ${fmt(b)} gives k=${kb}`,
    );
  }
  return Object.freeze([m, n]);
};

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
