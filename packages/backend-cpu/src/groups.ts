import { type Graph, type Node, pinnedNodes } from '@saekit/core';
import type { FusedKernel } from './fuse.js';
import { loopDims } from './kernels/elementwise.js';
import { rowSumShape } from './kernels/sum.js';
import { sameShapeAs } from './shape-util.js';
import { type Step, stepNode, stepReads } from './steps.js';

/**
 * Several elementwise kernels of one shape run as one loop: each member's value is a local of the
 * loop body, so a later member reads an earlier one without a load, a member that nothing outside
 * the loop reads is never stored at all, and a row sum of a member is accumulated as the loop goes.
 * (Adam's three updates of a parameter become one pass over memory; so do the decoder's sigmoid,
 * error, squared error, per-example error and gradient.)
 */
export interface LoopGroup {
  /** Kernel roots in schedule order; the loop runs where the first one was. */
  readonly members: readonly Node[];
  /** What the loop reads (none of them a member). */
  readonly leaves: readonly Node[];
  /** Member i's value, named t{i}: over leaves v{k} and earlier members t{j}. */
  readonly exprs: readonly string[];
  /** The members written to a buffer (read outside the loop), in output order, by index in `members`. */
  readonly storeOf: readonly number[];
  /** Sums over the inner loop computed in the loop (outputs after the stored members)… */
  readonly rowSums: readonly Node[];
  /** …each of the member with this index. */
  readonly rowSumOf: readonly number[];
}

/**
 * Puts every kernel root in a group, in schedule order (`order`, from schedule.ts). A root joins
 * the latest group of its shape when everything it reads is either a member of that group or
 * computed before the group's first member, so running it early, inside that loop, reads the same
 * values. Disabled, each root is a group of its own (a single store).
 */
export function planGroups(
  graph: Graph,
  order: readonly Node[],
  kernels: ReadonlyMap<Node, FusedKernel>,
  fused: ReadonlySet<Node>,
  readsOf: (n: Node) => readonly Node[],
  enabled: boolean,
): LoopGroup[] {
  const at = new Map<Node, number>(order.map((n, i) => [n, i]));
  // When a node's values exist: inputs and constants (and reshapes of them) from the start.
  const readyAt = (n: Node): number => {
    let base = n;
    while (base.op.kind === 'reshape') base = base.inputs[0];
    return base.op.kind === 'input' || base.op.kind === 'const' ? -1 : at.get(n)!;
  };
  const pinned = pinnedNodes(graph);
  const drafts: Node[][] = [];
  const latest = new Map<string, Node[]>();
  for (const n of order) {
    const k = kernels.get(n);
    if (!k) continue;
    const key = n.shape.join(',');
    const g = enabled ? latest.get(key) : undefined;
    const first = g ? at.get(g[0])! : -1;
    if (g && k.leaves.every((l) => (g.includes(l) && sameShapeAs(l, n)) || readyAt(l) < first)) {
      g.push(n);
    } else {
      const fresh = [n];
      drafts.push(fresh);
      latest.set(key, fresh);
    }
  }
  // Who reads each node, among the compiled steps (a member's readers inside its group don't count).
  const readers = new Map<Node, Node[]>();
  for (const n of order) {
    if (n.op.kind === 'input' || n.op.kind === 'const' || fused.has(n)) continue;
    for (const l of readsOf(n)) {
      const list = readers.get(l);
      if (list) list.push(n);
      else readers.set(l, [n]);
    }
  }
  // Row sums of a member (the per-example squared error of a loss) are taken inside its loop when
  // the loop runs over exactly those rows and columns.
  const sumsOf = new Map<Node, Node[]>();
  for (const n of order) {
    if (n.op.kind !== 'sum' || fused.has(n)) continue;
    const rows = rowSumShape(n.inputs[0].shape, n.op.axes);
    if (!rows) continue;
    const list = sumsOf.get(n.inputs[0]);
    if (list) list.push(n);
    else sumsOf.set(n.inputs[0], [n]);
  }
  return drafts.map((members) => {
    const index = new Map(members.map((m, i) => [m, i]));
    const leaves: Node[] = [];
    const leafIndex = new Map<Node, number>();
    const exprs = members.map((m) => {
      const k = kernels.get(m)!;
      // Rename the kernel's own operands v0, v1, … to the group's leaves, or to earlier members' t.
      return k.expr.replace(/\bv(\d+)\b/g, (_, d: string) => {
        const l = k.leaves[Number(d)];
        const j = index.get(l);
        if (j !== undefined) return `t${j}`;
        let at = leafIndex.get(l);
        if (at === undefined) {
          at = leaves.length;
          leaves.push(l);
          leafIndex.set(l, at);
        }
        return `v${at}`;
      });
    });
    const dims = loopDims(
      members[0].shape,
      leaves.map((l) => l.shape),
    );
    const rowSums: Node[] = [];
    const rowSumOf: number[] = [];
    if (enabled && dims.length === 2) {
      members.forEach((m, i) => {
        for (const sum of sumsOf.get(m) ?? []) {
          const rows = rowSumShape(m.shape, sum.op.kind === 'sum' ? sum.op.axes : []);
          if (rows?.[0] === dims[0] && rows[1] === dims[1]) {
            rowSums.push(sum);
            rowSumOf.push(i);
          }
        }
      });
    }
    const inside = (r: Node) => index.has(r) || rowSums.includes(r);
    const storeOf = members
      .map((m, i) => [m, i] as const)
      .filter(([m]) => pinned.has(m) || (readers.get(m) ?? []).some((r) => !inside(r)))
      .map(([, i]) => i);
    return { members, leaves, exprs, storeOf, rowSums, rowSumOf };
  });
}

/**
 * The grouping pass: the elementwise steps become loops (planGroups), each at its first member's
 * place; the other members' steps and the row sums taken inside a loop go.
 */
export function groupSteps(
  steps: readonly Step[],
  graph: Graph,
  order: readonly Node[],
  kernels: ReadonlyMap<Node, FusedKernel>,
  fused: ReadonlySet<Node>,
  enabled: boolean,
): Step[] {
  const readsOf = new Map<Node, readonly Node[]>(steps.map((s) => [stepNode(s), stepReads(s)]));
  const groups = planGroups(graph, order, kernels, fused, (n) => readsOf.get(n) ?? n.inputs, enabled);
  const first = new Map(groups.map((g) => [g.members[0], g]));
  const inside = new Set(groups.flatMap((g) => [...g.members, ...g.rowSums]));
  return steps.flatMap((s): Step[] => {
    const node = stepNode(s);
    const g = first.get(node);
    if (g) return [{ kind: 'loop', group: g, split: false }];
    return inside.has(node) ? [] : [s];
  });
}
