import type { Graph, Node } from '@saekit/core';
import { pinnedNodes } from './uses.js';

/** Where a node's values live during a run. */
export type SlotKind = 'feed' | 'state' | 'const' | 'temp';

export interface BufferPlan {
  /** Slot of each computed node; a reshape shares its operand's slot (same values, no copy). */
  readonly slotOf: ReadonlyMap<Node, number>;
  readonly slotSize: readonly number[];
  readonly slotKind: readonly SlotKind[];
}

/** One compiled step: the nodes it writes and the nodes it reads. */
export interface PlanStep {
  readonly outputs: readonly Node[];
  readonly reads: readonly Node[];
}

/**
 * Assigns every node a buffer slot once, at compile time, visiting the nodes in run order
 * (`order`). Temporaries are recycled by liveness: a slot returns to the pool (by size) after its
 * last reader runs, unless an output or a state update needs it at the end of the run. Peak memory
 * is then the widest live set, not the sum.
 * `stepAt(n)` is the step that runs at node n's place in the schedule (undefined for nodes computed
 * inside another step, such as fused chains, which get no slot). A step's outputs never share a
 * slot with what it reads, so a loop may write one output while reading another element.
 */
export function planBuffers(
  graph: Graph,
  order: readonly Node[],
  stateNames: ReadonlySet<string>,
  stepAt: (n: Node) => PlanStep | undefined,
): BufferPlan {
  const slotOf = new Map<Node, number>();
  const slotSize: number[] = [];
  const slotKind: SlotKind[] = [];
  const newSlot = (size: number, kind: SlotKind): number => {
    slotSize.push(size);
    slotKind.push(kind);
    return slotSize.length - 1;
  };
  const reads = new Map<number, number>();
  const pinned = pinnedNodes(graph);
  const free = new Map<number, number[]>();
  const consumers = new Map<Node, number>();
  const steps = new Map<Node, PlanStep>();
  for (const n of order) {
    const step = n.op.kind === 'input' || n.op.kind === 'const' ? undefined : stepAt(n);
    if (!step) continue;
    steps.set(n, step);
    for (const i of step.reads) consumers.set(i, (consumers.get(i) ?? 0) + 1);
  }
  const own = (n: Node, slot: number) => {
    slotOf.set(n, slot);
    reads.set(slot, (reads.get(slot) ?? 0) + (consumers.get(n) ?? 0) + (pinned.has(n) ? Infinity : 0));
  };

  for (const n of order) {
    const op = n.op;
    if (op.kind === 'input') {
      own(n, newSlot(n.size, stateNames.has(op.name) ? 'state' : 'feed'));
      continue;
    }
    if (op.kind === 'const') {
      own(n, newSlot(n.size, 'const'));
      continue;
    }
    const step = steps.get(n);
    if (!step) continue;
    const written = new Set<number>();
    for (const o of step.outputs) {
      let slot: number;
      if (o.op.kind === 'reshape') slot = slotOf.get(o.inputs[0])!;
      else {
        const pool = free.get(o.size);
        slot = pool?.length ? pool.pop()! : newSlot(o.size, 'temp');
      }
      written.add(slot);
      own(o, slot);
    }
    for (const i of step.reads) {
      const s = slotOf.get(i)!;
      const left = reads.get(s)! - 1;
      reads.set(s, left);
      if (left === 0 && slotKind[s] === 'temp' && !written.has(s)) {
        const pool = free.get(slotSize[s]) ?? [];
        pool.push(s);
        free.set(slotSize[s], pool);
      }
    }
  }
  return { slotOf, slotSize, slotKind };
}
