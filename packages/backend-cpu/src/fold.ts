import { type Graph, type Node, pinnedNodes, useCounts } from '@saekit/core';
import type { Step } from './steps.js';

/**
 * The folding pass: a transpose of a whole [n, d] matrix that only feeds a sparse product, or
 * that is the only reader of one, is read or written by that product's kernel instead (kernels/sparse-latents.ts), so it costs no copy.
 * The TopK SAE's sparse form has two (core's nn/sparse-topk.ts): sparseDot(x, idx, transpose(W_enc))
 * and, in its gradient, transpose(sparseOuter(…)); BatchTopK's flat code has transpose(cooMatmul(…)). Each folded pair becomes one `indexed` step with
 * `transposed` set, at the later one's place; the kernels sum in the same order, so the values are
 * those of the unfolded steps.
 */
export function foldTransposes(steps: readonly Step[], graph: Graph): Step[] {
  const uses = useCounts(graph);
  const pinned = pinnedNodes(graph);
  const once = (n: Node): boolean => uses.get(n) === 1 && !pinned.has(n);
  /** A transpose of a matrix (perm [1, 0]). */
  const swap = (t: Node): boolean => t.op.kind === 'transpose' && t.op.perm[0] === 1 && t.rank === 2;
  const dropped = new Set<Node>();
  const out: Step[] = [];
  for (const s of steps) {
    if (s.kind === 'indexed' && s.op.kind === 'sparseDot') {
      const t = s.node.inputs[2];
      if (swap(t) && once(t)) {
        const [x, idx] = s.node.inputs;
        dropped.add(t);
        out.push({ ...s, reads: [x, idx, t.inputs[0]], transposed: true });
        continue;
      }
    }
    if (s.kind === 'transpose') {
      const o = s.node.inputs[0];
      if ((o.op.kind === 'sparseOuter' || o.op.kind === 'cooMatmul') && swap(s.node) && once(o)) {
        dropped.add(o);
        out.push({
          kind: 'indexed',
          node: s.node,
          op: o.op,
          reads: o.inputs,
          transposed: true,
          split: false,
        });
        continue;
      }
    }
    out.push(s);
  }
  // A folded transpose (forward) runs before its reader, and a folded product before its transpose.
  return out.filter((s) => !((s.kind === 'transpose' || s.kind === 'indexed') && dropped.has(s.node)));
}
