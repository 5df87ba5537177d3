import type { Graph, Node } from '@saekit/core';

/**
 * The pre-activations a TopK selected, recomputed as sparse dot products (core's `selectedPre`:
 * add(sparseDot(x, idx, transpose(W)), sparseDot(ones, idx, reshape(b, [n, 1])))), are entries of
 * the dense pre = add(matmul(x, W), b) the selection was made from: the same sums, only added in
 * another order. Where idx = topkIndices(pre) they are the values ONNX's TopK returns beside the
 * indices; otherwise (AuxK's TopK over the dead latents' masked pre, BatchTopK's selection over the
 * flattened batch, whose x is the gathered rows sparseMatmul(ones, row, x)) a GatherElements or
 * GatherND of pre. Either way the transposed copy of W, the gathered rows and their products are
 * never computed; the gradient's path (sparseOuter into W's transpose) does not read them.
 */
export interface SelectedPres {
  /** Each selection's add node -> its topkIndices node, when its values are TopK's. */
  readonly adds: ReadonlyMap<Node, Node>;
  /** Each selection's add node -> the dense pre it gathers from, at idx (of row, for BatchTopK). */
  readonly gathers: ReadonlyMap<Node, { readonly pre: Node; readonly idx: Node; readonly row?: Node }>;
  /** The topkIndices nodes whose values are read. */
  readonly topks: ReadonlySet<Node>;
  /** Nodes only the folded selections read: never lowered. */
  readonly dead: ReadonlySet<Node>;
}

type Selection =
  | { readonly kind: 'topk'; readonly topk: Node }
  | { readonly kind: 'gather'; readonly pre: Node; readonly idx: Node; readonly row?: Node };

const isOnes = (n: Node): boolean =>
  n.op.kind === 'const'
    ? n.op.value.every((v) => v === 1)
    : n.op.kind === 'broadcastTo' && isOnes(n.inputs[0]);

/** x itself, or x's rows gathered one a row (sparseMatmul(ones, row, x)) with that row index. */
function rowsOf(xs: Node): { x: Node; row?: Node } {
  if (xs.op.kind !== 'sparseMatmul') return { x: xs };
  const [ones, row, x] = xs.inputs;
  return isOnes(ones) && row.shape[1] === 1 ? { x, row } : { x: xs };
}

/**
 * The selection `n` recomputes, or undefined. `preOf(x, W, b)`: the graph's add(matmul(x, W), b)
 * lowered before `n`, if any.
 */
function selectionOf(n: Node, preOf: (x: Node, w: Node, b: Node) => Node | undefined): Selection | undefined {
  if (n.op.kind !== 'add') return undefined;
  const [p, q] = n.inputs;
  for (const [dot, biasDot] of [
    [p, q],
    [q, p],
  ]) {
    if (dot.op.kind !== 'sparseDot' || biasDot.op.kind !== 'sparseDot') continue;
    const [xs, idx, wt] = dot.inputs;
    const [ones, idx2, col] = biasDot.inputs;
    if (idx !== idx2 || !isOnes(ones) || wt.op.kind !== 'transpose' || col.op.kind !== 'reshape') continue;
    const w = wt.inputs[0];
    const b = col.inputs[0];
    if (w.rank !== 2 || b.rank !== 1) continue;
    const { x, row } = rowsOf(xs);
    const pre = preOf(x, w, b);
    if (!pre) continue;
    if (!row && idx.op.kind === 'topkIndices' && idx.inputs[0] === pre) return { kind: 'topk', topk: idx };
    return { kind: 'gather', pre, idx, row };
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
    // The two dots, then what only they read (W's transpose, b's column, the ones, gathered rows).
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
