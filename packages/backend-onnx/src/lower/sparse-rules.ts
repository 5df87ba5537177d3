// Sparse TopK in ONNX's own ops: TopK, GatherElements / Gather, ScatterElements / ScatterND with
// reduction "add" (opset 16+, below our minimum of 17). Core carries indices as float32; they are
// cast to int64 where an ONNX op reads them (ONNX Runtime folds the repeated Casts of one value).
import type { Op, SparseOp } from '@saekit/core';
import { DataType } from '../proto/types.js';
import type { GraphBuilder } from './builder.js';
import type { Rule } from './rules.js';

const toIndex = (b: GraphBuilder, idx: string): string => b.op('Cast', [idx], { to: DataType.INT64 });

/** Rows W[idx] of shape [...idx's shape, d] ([B, k, d] for a [B, k] idx). */
const gatherRows = (b: GraphBuilder, w: string, idx: string): string =>
  b.op('Gather', [w, toIndex(b, idx)], { axis: 0 });

/** [B] indices from [B, 1] ones (one index a row). */
const oneIndex = (b: GraphBuilder, idx: string): string =>
  b.op('Squeeze', [toIndex(b, idx), b.int64Const([1], 'axes')]);

const unsqueeze = (b: GraphBuilder, x: string, axis: number): string =>
  b.op('Unsqueeze', [x, b.int64Const([axis], 'axes')]);

const squeezeInto = (b: GraphBuilder, x: string, axis: number, out: string | undefined): string =>
  b.op('Squeeze', [x, b.int64Const([axis], 'axes')], {}, out);

/** Float zeros [..lead of `like`, n] (the batch comes from `like` at run time). */
function zerosLastAxis(b: GraphBuilder, like: string, n: number): string {
  const lead = b.op('Shape', [like], { end: -1 });
  return b.op('ConstantOfShape', [b.op('Concat', [lead, b.int64Const([n], 'n')], { axis: 0 })]);
}

/** out [n, d] = 0, then out[idx[e], :] += rows[e, :]; rows [...idx's shape, d], entries flattened. */
function scatterRows(
  b: GraphBuilder,
  rows: string,
  idx: string,
  n: number,
  d: number,
  out: string | undefined,
) {
  const zeros = b.op('ConstantOfShape', [b.int64Const([n, d], 'shape')]);
  const at = b.op('Reshape', [toIndex(b, idx), b.int64Const([-1, 1], 'shape')]);
  const upd = b.op('Reshape', [rows, b.int64Const([-1, d], 'shape')]);
  return b.op('ScatterND', [zeros, at, upd], { reduction: 'add' }, out);
}

/**
 * The k largest of each row: their values, and their indices as float32 (core's topkIndices).
 * ONNX TopK puts the lower index first among equal values, as core's topkIndices does.
 */
export function emitTopK(
  b: GraphBuilder,
  x: string,
  k: number,
  out: string | undefined,
): { values: string; indices: string } {
  const [values, idx] = b.node('TopK', [x, b.int64Const([k], 'k')], [b.fresh('topk'), b.fresh('topk_idx')], {
    axis: -1,
    largest: 1,
    sorted: 1,
  });
  return { values, indices: b.op('Cast', [idx], { to: DataType.FLOAT }, out) };
}

export const SPARSE_RULES: { readonly [K in SparseOp['kind']]: Rule<Extract<Op, { kind: K }>> } = {
  topkIndices: ({ b, op, x, out }) => emitTopK(b, x[0], op.k, out).indices,
  gatherLast: ({ b, x, out }) => b.op('GatherElements', [x[0], toIndex(b, x[1])], { axis: -1 }, out),
  scatterAddLast: ({ b, op, x, out }) =>
    b.op(
      'ScatterElements',
      [zerosLastAxis(b, x[0], op.n), toIndex(b, x[1]), x[0]],
      { axis: -1, reduction: 'add' },
      out,
    ),
  // [B, 1, k] · [B, k, d] -> [B, 1, d]: one batched MatMul over the gathered rows. With one index
  // a row (BatchTopK's selection, flattened) that is B products of 1 x 1 by 1 x d, where ONNX
  // Runtime's per-product cost dwarfs the work: vals [B, 1] * W[idx] [B, d] instead.
  sparseMatmul: ({ b, node, x, out }) =>
    node.inputs[1].shape[1] === 1
      ? b.op('Mul', [x[0], b.op('Gather', [x[2], oneIndex(b, x[1])], { axis: 0 })], {}, out)
      : squeezeInto(b, b.op('MatMul', [unsqueeze(b, x[0], 1), gatherRows(b, x[2], x[1])]), 1, out),
  // [B, k, d] · [B, d, 1] -> [B, k, 1]. With one index a row: Σ_d W[idx] * x, a Mul and a ReduceSum.
  sparseDot: ({ b, node, x, out }) =>
    node.inputs[1].shape[1] === 1
      ? b.op(
          'ReduceSum',
          [
            b.op('Mul', [b.op('Gather', [x[2], oneIndex(b, x[1])], { axis: 0 }), x[0]]),
            b.int64Const([1], 'axes'),
          ],
          { keepdims: 1 },
          out,
        )
      : squeezeInto(b, b.op('MatMul', [gatherRows(b, x[2], x[1]), unsqueeze(b, x[0], 2)]), 2, out),
  // rows vals[b, j] · x[b, :] as [B, k, 1] * [B, 1, d], scattered into [n, d].
  sparseOuter: ({ b, op, node, x, out }) => {
    const rows = b.op('Mul', [unsqueeze(b, x[0], 2), unsqueeze(b, x[2], 1)]);
    return scatterRows(b, rows, x[1], op.n, node.shape[1], out);
  },
  // Coordinate form, entries of any shape S: rows vals[e] · x[src[e]] as [...S, 1] * [...S, d],
  // scattered into [n, d] at dst (scatterRows flattens S; ScatterND adds repeated rows).
  cooMatmul: ({ b, op, node, x, out }) => {
    const rows = b.op('Mul', [unsqueeze(b, x[0], -1), gatherRows(b, x[3], x[2])]);
    return scatterRows(b, rows, x[1], op.n, node.shape[1], out);
  },
  // Σ_d a[dst] * x[src] over [...S, d]: dropping the last axis leaves dst's shape S.
  cooDot: ({ b, x, out }) =>
    b.op(
      'ReduceSum',
      [b.op('Mul', [gatherRows(b, x[0], x[1]), gatherRows(b, x[3], x[2])]), b.int64Const([-1], 'axes')],
      { keepdims: 0 },
      out,
    ),
};
