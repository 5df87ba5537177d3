import { type Graph, isBinaryOp, isUnaryOp, type Node } from '@saekit/core';
import { sameShape } from './merge.js';

/**
 * Wheres on one single-element condition (a training step's finiteness guard: every parameter is
 * `where(ok, updated, old)`). A Where writes every element of its output from one of its two
 * inputs even when the condition is a single value; an `If` on the condition runs only the branch
 * it takes, so the usual step pays for no select at all. They become one If whose then-branch
 * computes each `updated` (its last node moves into the branch when nothing else reads it) and
 * whose else-branch returns each `old`.
 */
export interface GuardGroup {
  readonly cond: Node;
  /** The where nodes, in graph order; the If is emitted when the last one is lowered. */
  readonly wheres: readonly Node[];
}

export interface Guards {
  /** Where node -> its group. */
  readonly groups: ReadonlyMap<Node, GuardGroup>;
  /** The `updated` operands lowered inside the then-branch instead of the main graph. */
  readonly moved: ReadonlySet<Node>;
}

/**
 * Finds the guard wheres: a condition of one element, both branches of the where's own shape (no
 * broadcast for If to do), and no node reading the where (it is only an output or an update, so
 * emitting it late, with the others of its group, changes nothing).
 * `keep` are nodes that must stay in the main graph (outputs, updates, fused Gemm parts); `skip`
 * are wheres lowered otherwise (merged updates).
 */
export function findGuards(
  graph: Graph,
  uses: ReadonlyMap<Node, number>,
  keep: ReadonlySet<Node>,
  skip: ReadonlySet<Node> = new Set(),
): Guards {
  const byCond = new Map<Node, Node[]>();
  for (const n of graph.nodes) {
    if (n.op.kind !== 'where' || (uses.get(n) ?? 0) > 0 || skip.has(n)) continue;
    const [c, a, b] = n.inputs;
    if (c.size !== 1 || !sameShape(a, n) || !sameShape(b, n)) continue;
    const list = byCond.get(c) ?? [];
    list.push(n);
    byCond.set(c, list);
  }
  const groups = new Map<Node, GuardGroup>();
  const moved = new Set<Node>();
  for (const [cond, wheres] of byCond) {
    const group: GuardGroup = { cond, wheres };
    for (const w of wheres) {
      groups.set(w, group);
      const a = w.inputs[1];
      // One ONNX node and no helper values: safe to emit inside the branch.
      const simple =
        isUnaryOp(a.op) || (isBinaryOp(a.op) && a.op.kind !== 'greater' && a.op.kind !== 'greaterEqual');
      if (simple && uses.get(a) === 1 && !keep.has(a)) moved.add(a);
    }
  }
  return { groups, moved };
}
