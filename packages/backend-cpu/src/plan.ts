import { type Graph, type Node, pinnedNodes } from '@saekit/core';
import { sameShapeAs } from './shape-util.js';
import { type Step, stepOutputs, stepReads } from './steps.js';

/** Where a node's values live during a run. */
export type SlotKind = 'feed' | 'state' | 'const' | 'temp';

export interface BufferPlan {
  /** Slot of each computed node; a reshape shares its operand's slot (same values, no copy). */
  readonly slotOf: ReadonlyMap<Node, number>;
  readonly slotSize: readonly number[];
  readonly slotKind: readonly SlotKind[];
}

/**
 * Assigns every node a buffer slot once, at compile time: inputs and constants their own, then the
 * outputs of each step in run order. Temporaries are recycled by liveness: a slot returns to the
 * pool (by size) after its last reader runs, unless an output or a state update needs it at the
 * end of the run. Peak memory is then the widest live set, not the sum. Nodes computed inside a
 * step (fused chains, a loop's locals) get no slot. A step's outputs never share a slot with what
 * it reads, so a loop may write one output while reading another element, with one exception
 * (`inPlace`): a state update computed by the loop that is the state's last reader, at the same
 * shape, is written into the state's own slot (an optimizer step updates its parameters and
 * moments in place, instead of into temporaries copied back after the run; a loop reads each
 * element of a read of its own shape before it writes that element of its outputs). The state
 * must not be a graph output, which shows the value before the run.
 */
export function planBuffers(
  graph: Graph,
  stateNames: ReadonlySet<string>,
  steps: readonly Step[],
  inPlace: boolean,
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
  /** The last step that reads each node's buffer (a reshape's readers read its operand's). */
  const lastReader = new Map<Node, Step>();
  const base = (n: Node): Node => (n.op.kind === 'reshape' ? base(n.inputs[0]) : n);
  for (const step of steps) {
    for (const i of stepReads(step)) {
      consumers.set(i, (consumers.get(i) ?? 0) + 1);
      lastReader.set(base(i), step);
    }
  }
  // The state input each update node replaces (only when one state has it and the state is not an output).
  const outputs = new Set(Object.values(graph.outputs));
  const stateOf = new Map<Node, Node>();
  const shared = new Set<Node>();
  for (const [name, u] of Object.entries(graph.updates)) {
    const st = graph.inputs.get(name);
    if (!st || st === u || outputs.has(st)) continue;
    if (stateOf.has(u)) shared.add(u);
    stateOf.set(u, st);
  }
  for (const u of shared) stateOf.delete(u);
  /** The state slot an output of `step` may be written into, if any. */
  const stateSlot = (o: Node, step: Step): number | undefined => {
    const st = stateOf.get(o);
    if (!st || !inPlace || step.kind !== 'loop' || lastReader.get(st) !== step || !sameShapeAs(st, o))
      return undefined;
    return slotOf.get(st);
  };
  const own = (n: Node, slot: number) => {
    slotOf.set(n, slot);
    reads.set(slot, (reads.get(slot) ?? 0) + (consumers.get(n) ?? 0) + (pinned.has(n) ? Infinity : 0));
  };

  for (const n of graph.nodes) {
    const op = n.op;
    if (op.kind === 'input') own(n, newSlot(n.size, stateNames.has(op.name) ? 'state' : 'feed'));
    else if (op.kind === 'const') own(n, newSlot(n.size, 'const'));
  }
  for (const step of steps) {
    const written = new Set<number>();
    for (const o of stepOutputs(step)) {
      let slot: number;
      const state = stateSlot(o, step);
      if (state !== undefined && !written.has(state)) slot = state;
      else if (o.op.kind === 'reshape') slot = slotOf.get(o.inputs[0])!;
      else {
        const pool = free.get(o.size);
        slot = pool?.length ? pool.pop()! : newSlot(o.size, 'temp');
      }
      written.add(slot);
      own(o, slot);
    }
    for (const i of stepReads(step)) {
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
