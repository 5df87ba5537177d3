import type { Graph, Node } from '@saekit/core';

/** Where a node's values live during a run. */
export type SlotKind = 'feed' | 'state' | 'const' | 'temp';

export interface BufferPlan {
  /** Slot of each computed node; a reshape shares its operand's slot (same values, no copy). */
  readonly slotOf: ReadonlyMap<Node, number>;
  readonly slotSize: readonly number[];
  readonly slotKind: readonly SlotKind[];
}

/**
 * Assigns every node a buffer slot once, at compile time. Temporaries are recycled by liveness:
 * a slot returns to the pool (by size) after its last reader runs, unless an output or a state
 * update needs it at the end of the run. Peak memory is then the widest live set, not the sum.
 * Fused nodes get no slot: `operandsOf` gives what each remaining node really reads.
 */
export function planBuffers(
  graph: Graph,
  stateNames: ReadonlySet<string>,
  skip: ReadonlySet<Node>,
  operandsOf: (n: Node) => readonly Node[],
): BufferPlan {
  const slotOf = new Map<Node, number>();
  const slotSize: number[] = [];
  const slotKind: SlotKind[] = [];
  const newSlot = (size: number, kind: SlotKind): number => {
    slotSize.push(size);
    slotKind.push(kind);
    return slotSize.length - 1;
  };
  const nodes = graph.nodes.filter((n) => !skip.has(n));
  const reads = new Map<number, number>();
  const pinned = new Set<Node>([...Object.values(graph.outputs), ...Object.values(graph.updates)]);
  const free = new Map<number, number[]>();
  const consumers = new Map<Node, number>();
  for (const n of nodes) for (const i of operandsOf(n)) consumers.set(i, (consumers.get(i) ?? 0) + 1);

  for (const n of nodes) {
    let slot: number;
    const op = n.op;
    if (op.kind === 'input') slot = newSlot(n.size, stateNames.has(op.name) ? 'state' : 'feed');
    else if (op.kind === 'const') slot = newSlot(n.size, 'const');
    else if (op.kind === 'reshape') slot = slotOf.get(n.inputs[0])!;
    else {
      const pool = free.get(n.size);
      slot = pool?.length ? pool.pop()! : newSlot(n.size, 'temp');
    }
    slotOf.set(n, slot);
    reads.set(slot, (reads.get(slot) ?? 0) + (consumers.get(n) ?? 0) + (pinned.has(n) ? Infinity : 0));
    for (const i of operandsOf(n)) {
      const s = slotOf.get(i)!;
      const left = reads.get(s)! - 1;
      reads.set(s, left);
      if (left === 0 && slotKind[s] === 'temp' && s !== slot) {
        const pool = free.get(slotSize[s]) ?? [];
        pool.push(s);
        free.set(slotSize[s], pool);
      }
    }
  }
  return { slotOf, slotSize, slotKind };
}
