import type { Node, SparseOp } from '@saekit/core';
import * as tf from '@tensorflow/tfjs-core';

// Sparse TopK in tfjs-core ops: topk, gather with batch dims, scatterND (which sums repeated
// indices, as scatter-add must). Core's indices are float32; they are cast to int32 here.

type Shape = readonly number[];
/** One op on its operands' tensors. */
export type SparseStep = (xs: readonly tf.Tensor[]) => tf.Tensor;

const int = (t: tf.Tensor): tf.Tensor => tf.cast(t, 'int32');
const lead = (s: Shape): number => s.slice(0, -1).reduce((a, b) => a * b, 1);

// Index arithmetic is done in float32 (exact below 2^24, as core's indices) and cast last.

/** [R·k, 2] scatterND indices (row, idx[row, j]) for idx [R, k]. */
function rowIndices(idx: tf.Tensor, rows: number, k: number): tf.Tensor {
  const r = tf.add(tf.zeros([rows, k]), tf.reshape(tf.range(0, rows, 1, 'float32'), [rows, 1]));
  return int(tf.reshape(tf.stack([r, idx], -1), [rows * k, 2]));
}

/** W[idx] as [B, k, d]. */
const rowsOf = (w: tf.Tensor, idx: tf.Tensor): tf.Tensor => tf.gather(w, int(idx), 0);

/** The step of one sparse primitive, bound to its node's shapes. */
export function sparseOp(n: Node, op: SparseOp): SparseStep {
  const out = [...n.shape];
  const s0 = n.inputs[0].shape;
  switch (op.kind) {
    // tf.topk ranks NaN below every number; the reference ranks it above, so NaN goes in as +Inf.
    // Equal values come lowest index first (a stable sort), as the reference has them.
    case 'topkIndices':
      return ([x]) => {
        const ranked = tf.where(tf.isNaN(x), tf.fill(x.shape, Number.POSITIVE_INFINITY), x);
        return tf.cast(tf.topk(ranked, op.k, true).indices, 'float32');
      };
    // A gather from the flattened x at row·n + idx: gather's batchDims fails on tfjs-wasm.
    case 'gatherLast': {
      const [r, nIn, k] = [lead(s0), s0[s0.length - 1], out[out.length - 1]];
      return ([x, idx]) => {
        const at = tf.add(tf.reshape(tf.range(0, r * nIn, nIn, 'float32'), [r, 1]), tf.reshape(idx, [r, k]));
        return tf.reshape(tf.gather(tf.reshape(x, [r * nIn]), int(at)), out);
      };
    }
    case 'scatterAddLast': {
      const [r, k] = [lead(s0), s0[s0.length - 1]];
      return ([v, idx]) =>
        tf.reshape(
          tf.scatterND(rowIndices(tf.reshape(idx, [r, k]), r, k), tf.reshape(v, [r * k]), [r, op.n]),
          out,
        );
    }
    case 'sparseMatmul': {
      const [b, k] = s0;
      return ([vals, idx, w]) => tf.reshape(tf.matMul(tf.reshape(vals, [b, 1, k]), rowsOf(w, idx)), out);
    }
    case 'sparseDot': {
      const [b, d] = s0;
      return ([x, idx, w]) => tf.reshape(tf.matMul(rowsOf(w, idx), tf.reshape(x, [b, d, 1])), out);
    }
    case 'sparseOuter': {
      const [b, k] = s0;
      const d = out[1];
      return ([vals, idx, x]) => {
        const rows = tf.mul(tf.reshape(vals, [b, k, 1]), tf.reshape(x, [b, 1, d]));
        return tf.scatterND(tf.reshape(int(idx), [b * k, 1]), tf.reshape(rows, [b * k, d]), [op.n, d]);
      };
    }
    // Coordinate form: entry e (flat position) owns its dst and src rows. x's rows are gathered at
    // src, scaled and summed into y at dst by scatterND, which adds repeated indices (tfjs-wasm has
    // no unsortedSegmentSum).
    case 'cooMatmul': {
      const ents = n.inputs[0].size;
      const d = out[1];
      return ([vals, dst, src, x]) => {
        const rows = tf.mul(tf.reshape(vals, [ents, 1]), tf.gather(x, int(tf.reshape(src, [ents])), 0));
        return tf.scatterND(tf.reshape(int(dst), [ents, 1]), rows, [op.n, d]);
      };
    }
    // One dot a row: a's rows at dst times x's rows at src, summed along d.
    case 'cooDot': {
      const ents = n.size;
      return ([a, dst, src, x]) => {
        const at = (m: tf.Tensor, i: tf.Tensor): tf.Tensor => tf.gather(m, int(tf.reshape(i, [ents])), 0);
        return tf.reshape(tf.sum(tf.mul(at(a, dst), at(x, src)), -1), out);
      };
    }
  }
}
