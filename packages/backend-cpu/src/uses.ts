import type { Graph, Node } from '@saekit/core';

/** Nodes whose values a run must keep to its end: the graph's outputs and state updates. */
export function pinnedNodes(graph: Graph): Set<Node> {
  return new Set<Node>([...Object.values(graph.outputs), ...Object.values(graph.updates)]);
}

/** How many times each node is an input of another node of the graph. */
export function useCounts(graph: Graph): Map<Node, number> {
  const uses = new Map<Node, number>();
  for (const n of graph.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  return uses;
}
