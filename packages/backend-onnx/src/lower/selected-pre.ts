import type { Graph, Node } from '@saekit/core';

/**
 * The pre-activations a TopK selected, recomputed as sparse dot products (core's `selectedPre`:
 * add(sparseDot(x, idx, transpose(W)), sparseDot(ones, idx, reshape(b, [n, 1]))) with idx =
 * topkIndices(add(matmul(x, W), b))), are the values ONNX's TopK returns beside the indices: the
 * same sums, only added in another order. Lowered as those values, the transposed copy of W, the
 * gathered rows and their products are never computed; the gradient's path (sparseOuter into W's
 * transpose) does not read them.
 */
export interface SelectedPres {
  /** Each selection's add node -> its topkIndices node. */
  readonly adds: ReadonlyMap<Node, Node>;
  /** The topkIndices nodes whose values are read. */
  readonly topks: ReadonlySet<Node>;
  /** Nodes only the folded selections read: never lowered. */
  readonly dead: ReadonlySet<Node>;
}

const isOnes = (n: Node): boolean =>
  n.op.kind === 'const'
    ? n.op.value.every((v) => v === 1)
    : n.op.kind === 'broadcastTo' && isOnes(n.inputs[0]);

/** The topkIndices node whose values `n` recomputes, or undefined. */
function selectionOf(n: Node): Node | undefined {
  if (n.op.kind !== 'add') return undefined;
  const [p, q] = n.inputs;
  for (const [dot, biasDot] of [
    [p, q],
    [q, p],
  ]) {
    if (dot.op.kind !== 'sparseDot' || biasDot.op.kind !== 'sparseDot') continue;
    const [x, idx, wt] = dot.inputs;
    const [ones, idx2, col] = biasDot.inputs;
    if (idx !== idx2 || idx.op.kind !== 'topkIndices' || !isOnes(ones)) continue;
    const pre = idx.inputs[0];
    if (pre.op.kind !== 'add' || wt.op.kind !== 'transpose' || col.op.kind !== 'reshape') continue;
    const w = wt.inputs[0];
    const b = col.inputs[0];
    const [u, v] = pre.inputs;
    const isProduct = (m: Node) =>
      m.op.kind === 'matmul' && !m.op.transA && !m.op.transB && m.inputs[0] === x && m.inputs[1] === w;
    if (w.rank === 2 && b.rank === 1 && ((isProduct(u) && v === b) || (isProduct(v) && u === b))) return idx;
  }
  return undefined;
}

export function selectedPres(
  graph: Graph,
  consumers: ReadonlyMap<Node, readonly Node[]>,
  pinned: ReadonlySet<Node>,
): SelectedPres {
  const adds = new Map<Node, Node>();
  const dead = new Set<Node>();
  for (const n of graph.nodes) {
    const topk = selectionOf(n);
    if (!topk) continue;
    adds.set(n, topk);
    // The two dots, then what only they read (W's transpose, b's column, the ones).
    const stack = [...n.inputs];
    while (stack.length) {
      const d = stack.pop()!;
      if (pinned.has(d) || d.op.kind === 'input' || dead.has(d)) continue;
      if (!(consumers.get(d) ?? []).every((c) => c === n || dead.has(c))) continue;
      dead.add(d);
      stack.push(...d.inputs);
    }
  }
  return { adds, topks: new Set(adds.values()), dead };
}
