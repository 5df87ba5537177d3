import type { Node, Op, OpKind } from '@saekit/core';
import { DataType } from '../proto/types.js';
import type { GraphBuilder } from './builder.js';
import { sameShape } from './merge.js';
import type { ShapeTensors } from './shape-tensors.js';
import { SPARSE_RULES } from './sparse-rules.js';

/** What a rule is given to emit one core node. */
export interface Emission<O extends Op = Op> {
  readonly b: GraphBuilder;
  readonly opset: number;
  readonly node: Node;
  readonly op: O;
  /** The operands' ONNX values. */
  readonly x: readonly string[];
  /** The name the value must have (a graph output or a merged state), else a fresh one. */
  readonly out: string | undefined;
  /** The ONNX bool tensor behind operand i when it is a comparison (a Where then skips a test). */
  readonly bool: (i: number) => string | undefined;
  /** Keeps this node's bool tensor for the Wheres that read it. */
  readonly keepBool: (flag: string) => void;
  /** Reshape and Expand targets, computed at run time where they hold the batch. */
  readonly shapes: ShapeTensors;
}

/** Emits the ONNX nodes of one core node; returns the name of its value. */
export type Rule<O extends Op = Op> = (e: Emission<O>) => string;

/** One ONNX node of this type on the same operands. */
const oneNode =
  (type: string): Rule =>
  ({ b, x, out }) =>
    b.op(type, x, {}, out);

/** A comparison gives an ONNX bool tensor, cast to float (1 or 0). */
const compare =
  (type: string): Rule =>
  ({ b, x, out, keepBool }) => {
    const flag = b.op(type, x);
    keepBool(flag);
    return b.op('Cast', [flag], { to: DataType.FLOAT }, out);
  };

/** x != 0 as an ONNX bool tensor: the condition of a Where or an If read from a float. */
export const notZero = (b: GraphBuilder, x: string): string =>
  b.op('Not', [b.op('Equal', [x, b.floatConst([0], [])])]);

/** Gemm's transpose flags, set only when true. */
export function gemmFlags(op: {
  readonly transA: boolean;
  readonly transB: boolean;
}): Record<string, number> {
  const attrs: Record<string, number> = {};
  if (op.transA) attrs.transA = 1;
  if (op.transB) attrs.transB = 1;
  return attrs;
}

/**
 * div(1, x) is Reciprocal(x): the same value, and ONNX Runtime computes it faster than a Div
 * by a broadcast 1 (an optimizer's 1 / (sqrt(v) + eps) over every parameter).
 */
const divide: Rule = ({ b, node, x, out }) => {
  const [num, den] = node.inputs;
  const one = num.op.kind === 'const' && num.op.value.every((v) => v === 1);
  if (one && sameShape(den, node)) return b.op('Reciprocal', [x[1]], {}, out);
  return b.op('Div', x, {}, out);
};

/**
 * Per primitive, the ONNX nodes it becomes. The merged groups (merge-emit.ts) apply these same rules;
 * fusions.ts and guards.ts emit a few patterns of several nodes otherwise.
 */
export const RULES: { readonly [K in OpKind]: Rule<Extract<Op, { kind: K }>> } = {
  input: ({ op }) => op.name,
  const: ({ b, op, node }) => b.floatConst(op.value, node.shape),
  neg: oneNode('Neg'),
  exp: oneNode('Exp'),
  log: oneNode('Log'),
  sqrt: oneNode('Sqrt'),
  abs: oneNode('Abs'),
  sign: oneNode('Sign'),
  relu: oneNode('Relu'),
  sigmoid: oneNode('Sigmoid'),
  stopGradient: oneNode('Identity'),
  add: oneNode('Add'),
  sub: oneNode('Sub'),
  mul: oneNode('Mul'),
  div: divide,
  maximum: oneNode('Max'),
  greater: compare('Greater'),
  greaterEqual: compare('GreaterOrEqual'),
  where: ({ b, x, out, bool }) => b.op('Where', [bool(0) ?? notZero(b, x[0]), x[1], x[2]], {}, out),
  matmul: ({ b, op, x, out }) => b.op('Gemm', x, gemmFlags(op), out),
  sum: ({ b, op, x, out }) =>
    op.axes.length === 0
      ? b.op('Identity', x, {}, out)
      : b.op('ReduceSum', [x[0], b.int64Const(op.axes, 'axes')], { keepdims: op.keepDims ? 1 : 0 }, out),
  reshape: ({ b, node, x, out, shapes }) => b.op('Reshape', [x[0], shapes.reshapeTarget(node)], {}, out),
  transpose: ({ b, op, x, out }) => b.op('Transpose', x, { perm: op.perm }, out),
  broadcastTo: ({ b, node, x, out, shapes }) => b.op('Expand', [x[0], shapes.expandTarget(node)], {}, out),
  // The k largest of each row (sorted), then their minimum: the k-th largest, kept as [..., 1].
  kthLargest: ({ b, op, opset, x, out }) => {
    const k = b.int64Const([op.k], 'k');
    const [top] = b.node('TopK', [x[0], k], [b.fresh('topk'), b.fresh('topk_indices')], {
      axis: -1,
      largest: 1,
      sorted: 1,
    });
    if (opset >= 18) return b.op('ReduceMin', [top, b.int64Const([-1], 'axes')], { keepdims: 1 }, out);
    return b.op('ReduceMin', [top], { axes: [-1], keepdims: 1 }, out);
  },
  ...SPARSE_RULES,
};

/** Emits `e.node` by its primitive's rule. */
export const emitByRule = (e: Emission): string => (RULES[e.op.kind] as Rule)(e);
