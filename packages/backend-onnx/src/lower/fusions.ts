import type { Graph, Node } from '@saekit/core';
import { DataType } from '../proto/types.js';
import type { GraphBuilder } from './builder.js';
import { sameShape } from './merge.js';
import { gemmFlags } from './rules.js';
import type { SelectedPres } from './selected-pre.js';
import { emitTopK } from './sparse-rules.js';

/** An add lowered as one Gemm: the matmul's product plus `bias` as Gemm's C. */
export interface GemmAdd {
  readonly mm: Node;
  readonly bias: Node;
}

/**
 * add(matmul(a, b), c) with a matmul used nowhere else and a c that Gemm's C can take (it
 * broadcasts one way to the product's [m, n]: a row bias, a column, a scalar or a whole [m, n]):
 * one Gemm(a, b, C = c), so ONNX Runtime adds c while it writes the product instead of in a
 * second pass over the output. `pinned` nodes (outputs, updates) keep their own value.
 */
export function gemmAdds(
  graph: Graph,
  uses: ReadonlyMap<Node, number>,
  pinned: ReadonlySet<Node>,
): Map<Node, GemmAdd> {
  const out = new Map<Node, GemmAdd>();
  for (const n of graph.nodes) {
    if (n.op.kind !== 'add') continue;
    for (const [mmIdx, biasIdx] of [
      [0, 1],
      [1, 0],
    ]) {
      const mm = n.inputs[mmIdx];
      const bias = n.inputs[biasIdx];
      if (mm.op.kind !== 'matmul' || uses.get(mm) !== 1 || pinned.has(mm)) continue;
      if (sameShape(n, mm) && bias.rank <= 2 && broadcastsTo(bias.shape, mm.shape)) {
        out.set(n, { mm, bias });
        break;
      }
    }
  }
  return out;
}

/** Whether `from` stretches to `to` (right-aligned, each dim 1 or equal). */
function broadcastsTo(from: readonly number[], to: readonly number[]): boolean {
  const lead = to.length - from.length;
  return lead >= 0 && from.every((d, i) => d === 1 || d === to[lead + i]);
}

/**
 * A sum over the rows of a matrix (axes [0]) lowered as a matrix-vector product, which MLAS
 * does in about half the time of ReduceSum over the leading axis: Gemm(wᵀ, a) when the matrix is
 * mul(a, w) with a column of row weights w [rows, 1] (used nowhere else: the Gemm weighs the rows
 * as it sums them, and the product is never written), else Gemm(ones [1, rows], matrix) when the
 * row count is fixed (`fixedRows`: not a dynamic batch).
 */
export interface ColumnSum {
  readonly matrix: Node;
  /** The column of row weights, when the sum's operand was mul(matrix, weights). */
  readonly weights?: Node;
}

export function columnSums(
  graph: Graph,
  uses: ReadonlyMap<Node, number>,
  pinned: ReadonlySet<Node>,
  fixedRows: (n: Node) => boolean,
): Map<Node, ColumnSum> {
  const out = new Map<Node, ColumnSum>();
  for (const n of graph.nodes) {
    const op = n.op;
    if (op.kind !== 'sum' || op.axes.length !== 1 || op.axes[0] !== 0) continue;
    const x = n.inputs[0];
    if (x.rank !== 2) continue;
    const weighted = x.op.kind === 'mul' && uses.get(x) === 1 && !pinned.has(x) ? rowWeighting(x) : undefined;
    if (weighted) out.set(n, weighted);
    else if (fixedRows(x)) out.set(n, { matrix: x });
  }
  return out;
}

/** mul(a, w) or mul(w, a) with a of the product's shape and w a column [rows, 1]. */
function rowWeighting(x: Node): ColumnSum | undefined {
  const [p, q] = x.inputs;
  const isColumn = (w: Node) => w.rank === 2 && w.shape[0] === x.shape[0] && w.shape[1] === 1;
  if (sameShape(p, x) && isColumn(q)) return { matrix: p, weights: q };
  if (sameShape(q, x) && isColumn(p)) return { matrix: q, weights: p };
  return undefined;
}

/** The fused patterns of a graph, as found above. */
export interface Fusions {
  readonly adds: ReadonlyMap<Node, GemmAdd>;
  readonly sums: ReadonlyMap<Node, ColumnSum>;
  /** Selected pre-activations lowered as their TopK's values (selected-pre.ts). */
  readonly selected: SelectedPres;
  /** Nodes folded into the node that reads them, never lowered on their own. */
  readonly folded: ReadonlySet<Node>;
}

/** What emitting a fused node needs from the lowering. */
export interface FusedEmission {
  readonly b: GraphBuilder;
  readonly fusions: Fusions;
  readonly ones: OnesRows;
  readonly out: string | undefined;
  readonly value: (n: Node) => string;
  /** The values output of each TopK emitted for a topkIndices node whose values are read. */
  readonly topkValues: Map<Node, string>;
}

/**
 * The ONNX nodes of `n` when a fusion covers it, else undefined. A Gemm-with-bias add reads its
 * folded matmul's operands, not the matmul; a weighted column sum reads its folded mul's.
 */
export function emitFused(n: Node, e: FusedEmission): string | undefined {
  const { b, out, value } = e;
  const { selected } = e.fusions;
  if (selected.topks.has(n) && n.op.kind === 'topkIndices') {
    const { values, indices } = emitTopK(b, value(n.inputs[0]), n.op.k, out);
    e.topkValues.set(n, values);
    return indices;
  }
  const topk = selected.adds.get(n);
  if (topk) {
    const values = e.topkValues.get(topk)!;
    return out ? b.op('Identity', [values], {}, out) : values;
  }
  const g = selected.gathers.get(n);
  if (g) {
    const at = (i: Node) => b.op('Cast', [value(i)], { to: DataType.INT64 });
    if (!g.row) return b.op('GatherElements', [value(g.pre), at(g.idx)], { axis: -1 }, out);
    // Entries pre[row, idx] of any shape S (BatchTopK's [1, K]): GatherND on [...S, 2] index pairs
    // gives S, the add's own shape.
    const last = (v: string) => b.op('Unsqueeze', [v, b.int64Const([-1], 'axes')]);
    const pairs = b.op('Concat', [last(at(g.row)), last(at(g.idx))], { axis: -1 });
    return b.op('GatherND', [value(g.pre), pairs], {}, out);
  }
  const add = e.fusions.adds.get(n);
  if (add) {
    const mm = add.mm;
    if (mm.op.kind !== 'matmul') throw new Error('unreachable');
    return b.op('Gemm', [...mm.inputs.map(value), value(add.bias)], gemmFlags(mm.op), out);
  }
  const c = e.fusions.sums.get(n);
  if (!c) return undefined;
  const m = value(c.matrix);
  const keepDims = n.rank === 2; // [1, cols], as Gemm gives it; else [cols]
  const into = keepDims ? out : undefined;
  const row = c.weights
    ? b.op('Gemm', [value(c.weights), m], { transA: 1 }, into)
    : b.op('Gemm', [e.ones.row(b, c.matrix.shape[0]), m], {}, into);
  return keepDims ? row : b.op('Reshape', [row, b.int64Const([-1], 'shape')], {}, out);
}

/** [1, n] initializers of ones, one per n (a column sum's left operand). */
export class OnesRows {
  private readonly names = new Map<number, string>();

  row(b: GraphBuilder, n: number): string {
    let name = this.names.get(n);
    if (!name) {
      name = b.floatConst(new Float32Array(n).fill(1), [1, n], 'ones');
      this.names.set(n, name);
    }
    return name;
  }
}
