import type { Graph, Node } from '@saekit/core';

/**
 * Whether state inputs `names` may be overwritten by their own updates in place: every node that
 * reads one of them is an ancestor of one of their updates (so ONNX Runtime, running one op at a
 * time in an order that respects the data, has run it before the update is written), and none is
 * itself an output. A merged update group is one ONNX op over all its parameters, so an ancestor of
 * any of the group's updates runs before the group is written.
 */
export function canUpdateInPlace(graph: Graph, names: readonly string[]): boolean {
  const before = new Set<Node>();
  const stack = names.map((n) => graph.updates[n]).filter((n): n is Node => n !== undefined);
  while (stack.length) {
    const n = stack.pop()!;
    if (before.has(n)) continue;
    before.add(n);
    stack.push(...n.inputs);
  }
  const state = new Set(names.map((n) => graph.inputs.get(n)).filter((n): n is Node => n !== undefined));
  if (Object.values(graph.outputs).some((o) => state.has(o))) return false;
  return graph.nodes.every((n) => before.has(n) || !n.inputs.some((i) => state.has(i)));
}
