import { type Graph, type Node, pinnedNodes, useCounts } from '@saekit/core';
import type { Step } from './steps.js';

/**
 * The bias fold (float32 only): topkIndices(a + b), with b a row vector over a's last axis and the
 * sum read by nothing else, reads a and b and forms each sum as it scans (kernels/topk-indices.ts),
 * rounded to float32 as the sum's buffer would hold it: the same indices, without a pass over the
 * sum or a buffer for it. The TopK SAE's encoder has one: topkIndices(x·W_enc + b_enc).
 */
export function foldTopkBias(steps: readonly Step[], graph: Graph): Step[] {
  const uses = useCounts(graph);
  const pinned = pinnedNodes(graph);
  const plainAdds = new Set<Node>();
  for (const s of steps) {
    // An add computed alone: its loop's operands are the add's own inputs (no fused chain).
    if (s.kind === 'elementwise' && s.node.op.kind === 'add' && s.kernel.leaves.length === 2) {
      const [l0, l1] = s.kernel.leaves;
      const [i0, i1] = s.node.inputs;
      if ((l0 === i0 && l1 === i1) || (l0 === i1 && l1 === i0)) plainAdds.add(s.node);
    }
  }
  const dropped = new Set<Node>();
  const out = steps.map((s): Step => {
    if (s.kind !== 'indexed' || s.op.kind !== 'topkIndices' || s.reads.length !== 1) return s;
    const sum = s.reads[0];
    if (!plainAdds.has(sum) || uses.get(sum) !== 1 || pinned.has(sum)) return s;
    const operands = splitBias(sum);
    if (!operands) return s;
    dropped.add(sum);
    return { ...s, reads: operands };
  });
  // The add runs before its reader, the topk step, which now reads its operands.
  return out.filter((s) => !(s.kind === 'elementwise' && dropped.has(s.node)));
}

/** [a, b] of sum = a + b when a has sum's shape and b is a row vector over its last axis ([n] or [1, n]). */
function splitBias(sum: Node): [Node, Node] | undefined {
  const n = sum.shape[sum.rank - 1];
  const full = (m: Node) => m.rank === sum.rank && m.shape.every((d, i) => d === sum.shape[i]);
  const row = (m: Node) => m.size === n && m.shape[m.rank - 1] === n && m.rank <= sum.rank;
  const [x, y] = sum.inputs;
  if (full(x) && row(y)) return [x, y];
  if (full(y) && row(x)) return [y, x];
  return undefined;
}
