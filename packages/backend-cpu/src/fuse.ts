import {
  consumersOf,
  type Graph,
  isBinaryOp,
  isElementwiseOp,
  isUnaryOp,
  type Node,
  pinnedNodes,
} from '@saekit/core';
import { BINARY_EXPR, UNARY_EXPR, WHERE_EXPR } from './kernels/elementwise.js';
import { sameShapeAs } from './shape-util.js';
import { isSparseOp, type Step } from './steps.js';

/** An elementwise node computed as one loop: its expression over its leaf operands. */
export interface FusedKernel {
  readonly expr: string;
  readonly leaves: readonly Node[];
}

/**
 * Elementwise fusion. A node is folded into its consumer when it is elementwise, has exactly one
 * use, that use is elementwise of the same shape (no recomputation under broadcasting), and the
 * node is not needed as an output or a state update. Scalar constants become literals. What stays
 * is one loop (and one buffer) per chain instead of one per op.
 */
export function planFusion(
  graph: Graph,
  enabled: boolean,
): { fused: Set<Node>; kernels: Map<Node, FusedKernel> } {
  const readers = consumersOf(graph);
  const pinned = pinnedNodes(graph);
  const fused = new Set<Node>();
  if (enabled) {
    for (const n of graph.nodes) {
      const r = readers.get(n);
      const c = r?.length === 1 ? r[0] : undefined;
      if (
        c &&
        isElementwiseOp(n.op) &&
        n.op.kind !== 'broadcastTo' &&
        !pinned.has(n) &&
        isElementwiseOp(c.op) &&
        c.op.kind !== 'broadcastTo' &&
        sameShapeAs(n, c)
      )
        fused.add(n);
    }
  }
  const kernels = new Map<Node, FusedKernel>();
  for (const n of graph.nodes) {
    if (!isElementwiseOp(n.op) || fused.has(n)) continue;
    const leaves: Node[] = [];
    const leafIndex = new Map<Node, number>();
    const expr = (m: Node, root: boolean): string => {
      if (!root && !fused.has(m)) {
        if (m.op.kind === 'const' && m.size === 1 && enabled) return `(${m.op.value[0]})`;
        let k = leafIndex.get(m);
        if (k === undefined) {
          k = leaves.length;
          leaves.push(m);
          leafIndex.set(m, k);
        }
        return `v${k}`;
      }
      const a = m.inputs.map((i) => expr(i, false));
      const op = m.op;
      if (isUnaryOp(op)) return UNARY_EXPR[op.kind](a[0]);
      if (isBinaryOp(op)) return BINARY_EXPR[op.kind](a[0], a[1]);
      if (op.kind === 'where') return WHERE_EXPR(a[0], a[1], a[2]);
      if (op.kind === 'broadcastTo') return a[0];
      throw new Error(`unreachable: ${op.kind} is not elementwise`);
    };
    const e = expr(n, true);
    kernels.set(n, { expr: e, leaves });
  }
  return { fused, kernels };
}

/**
 * The first list of steps: one per node of `order` that runs, each fused chain as one elementwise
 * step at its root's place (inputs and constants have buffers, not steps).
 */
export function fusedSteps(
  order: readonly Node[],
  fused: ReadonlySet<Node>,
  kernels: ReadonlyMap<Node, FusedKernel>,
): Step[] {
  const steps: Step[] = [];
  for (const node of order) {
    const op = node.op;
    if (fused.has(node) || op.kind === 'input' || op.kind === 'const') continue;
    const kernel = kernels.get(node);
    if (kernel) steps.push({ kind: 'elementwise', node, kernel });
    else if (op.kind === 'reshape') steps.push({ kind: 'alias', node });
    else if (op.kind === 'matmul' || op.kind === 'sum' || op.kind === 'kthLargest')
      steps.push({ kind: op.kind, node, split: false });
    else if (op.kind === 'transpose') steps.push({ kind: op.kind, node });
    else if (isSparseOp(op))
      steps.push({ kind: 'indexed', node, op, reads: node.inputs, transposed: false, split: false });
    else throw new Error(`cpu: no kernel for ${op.kind}`);
  }
  return steps;
}
