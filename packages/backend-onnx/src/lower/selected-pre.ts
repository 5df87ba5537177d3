import type { Graph, Node } from '@saekit/core';

/**
 * The pre-activations a TopK selected, recomputed from W and b, are entries of the dense
 * pre = add(matmul(x, W), b) the selection was made from: the same sums, only added in another
 * order. Two forms, both from core:
 * - per row (`selectedPre`): add(sparseDot(x, idx, transpose(W)), sparseDot(ones, idx, reshape(b,
 *   [n, 1]))), idx [B, k]. Where idx = topkIndices(pre) they are the values ONNX's TopK returns
 *   beside the indices; otherwise (AuxK's TopK over the dead latents' masked pre) a GatherElements
 *   of pre.
 * - batch-wide (`batchTopKFlat`): add(cooDot(x, row, idx, transpose(W)), gatherLast(reshape(b,
 *   [1, n]), idx)), each entry its own row and latent: a GatherND of pre at (row, idx).
 * Either way the gathered rows and their products are never computed, nor W's transpose unless a
 * gradient reads it (BatchTopK's into x, a cooMatmul of it): the weight gradients (sparseOuter,
 * cooMatmul) do not read the values' dots.
 */
export interface SelectedPres {
  /** Each selection's add node -> its topkIndices node, when its values are TopK's. */
  readonly adds: ReadonlyMap<Node, Node>;
  /** Each selection's add node -> the dense pre it gathers from, at idx (of row, when batch-wide). */
  readonly gathers: ReadonlyMap<Node, { readonly pre: Node; readonly idx: Node; readonly row?: Node }>;
  /** The topkIndices nodes whose values are read. */
  readonly topks: ReadonlySet<Node>;
  /** Nodes only the folded selections read: never lowered. */
  readonly dead: ReadonlySet<Node>;
}

type Selection =
  | { readonly kind: 'topk'; readonly topk: Node }
  | { readonly kind: 'gather'; readonly pre: Node; readonly idx: Node; readonly row?: Node };

/** `preOf(x, W, b)`: the graph's add(matmul(x, W), b) lowered before the selection, if any. */
type PreOf = (x: Node, w: Node, b: Node) => Node | undefined;

const isOnes = (n: Node): boolean =>
  n.op.kind === 'const'
    ? n.op.value.every((v) => v === 1)
    : n.op.kind === 'broadcastTo' && isOnes(n.inputs[0]);

/** W of a transpose(W), W a matrix; else undefined. */
const transposed = (wt: Node): Node | undefined =>
  wt.op.kind === 'transpose' && wt.rank === 2 && wt.op.perm[0] === 1 ? wt.inputs[0] : undefined;

/** sparseDot(x, idx, transpose(W)) + sparseDot(ones, idx, reshape(b, [n, 1])): a per-row selection. */
function perRow(dot: Node, biasDot: Node, preOf: PreOf): Selection | undefined {
  if (dot.op.kind !== 'sparseDot' || biasDot.op.kind !== 'sparseDot') return undefined;
  const [x, idx, wt] = dot.inputs;
  const [ones, idx2, col] = biasDot.inputs;
  if (idx !== idx2 || !isOnes(ones) || col.op.kind !== 'reshape') return undefined;
  const w = transposed(wt);
  const b = col.inputs[0];
  if (!w || b.rank !== 1) return undefined;
  const pre = preOf(x, w, b);
  if (!pre) return undefined;
  if (idx.op.kind === 'topkIndices' && idx.inputs[0] === pre) return { kind: 'topk', topk: idx };
  return { kind: 'gather', pre, idx };
}

/**
 * cooDot(x, row, idx, transpose(W)) + gatherLast(reshape(b, [1, .., 1, n]), idx): a batch-wide
 * selection (gatherLast's same-leading-axes rule makes idx [1, .., 1, K], b[idx] entry by entry).
 */
function batchWide(dot: Node, bias: Node, preOf: PreOf): Selection | undefined {
  if (dot.op.kind !== 'cooDot' || bias.op.kind !== 'gatherLast') return undefined;
  const [x, row, idx, wt] = dot.inputs;
  const [bRow, idx2] = bias.inputs;
  if (idx !== idx2 || bRow.op.kind !== 'reshape') return undefined;
  const w = transposed(wt);
  const b = bRow.inputs[0];
  if (!w || b.rank !== 1 || bRow.shape.slice(0, -1).some((s) => s !== 1)) return undefined;
  const pre = preOf(x, w, b);
  return pre ? { kind: 'gather', pre, idx, row } : undefined;
}

/** The selection `n` recomputes, or undefined (either operand order of the add). */
function selectionOf(n: Node, preOf: PreOf): Selection | undefined {
  if (n.op.kind !== 'add') return undefined;
  const [p, q] = n.inputs;
  for (const [dot, bias] of [
    [p, q],
    [q, p],
  ]) {
    const sel = perRow(dot, bias, preOf) ?? batchWide(dot, bias, preOf);
    if (sel) return sel;
  }
  return undefined;
}

export function selectedPres(
  graph: Graph,
  consumers: ReadonlyMap<Node, readonly Node[]>,
  pinned: ReadonlySet<Node>,
): SelectedPres {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const adds = new Map<Node, Node>();
  const gathers = new Map<Node, { pre: Node; idx: Node; row?: Node }>();
  const dead = new Set<Node>();
  for (const n of graph.nodes) {
    const preOf = (x: Node, w: Node, b: Node): Node | undefined => {
      const isProduct = (m: Node) =>
        m.op.kind === 'matmul' && !m.op.transA && !m.op.transB && m.inputs[0] === x && m.inputs[1] === w;
      for (const m of consumers.get(x) ?? []) {
        if (!isProduct(m)) continue;
        const pre = (consumers.get(m) ?? []).find(
          (a) => a.op.kind === 'add' && a.inputs.includes(b) && a.inputs.includes(m),
        );
        if (pre && order.get(pre)! < order.get(n)!) return pre;
      }
      return undefined;
    };
    const sel = selectionOf(n, preOf);
    if (!sel) continue;
    const keep = new Set<Node>();
    if (sel.kind === 'topk') adds.set(n, sel.topk);
    else {
      gathers.set(n, { pre: sel.pre, idx: sel.idx, row: sel.row });
      for (const k of [sel.pre, sel.idx, sel.row]) if (k) keep.add(k);
    }
    // The two terms, then what only they read (W's transpose, b's reshape, the ones).
    const stack = [...n.inputs];
    while (stack.length) {
      const d = stack.pop()!;
      if (pinned.has(d) || keep.has(d) || d.op.kind === 'input' || dead.has(d)) continue;
      if (!(consumers.get(d) ?? []).every((c) => c === n || dead.has(c))) continue;
      dead.add(d);
      stack.push(...d.inputs);
    }
  }
  return { adds, gathers, topks: new Set(adds.values()), dead };
}
