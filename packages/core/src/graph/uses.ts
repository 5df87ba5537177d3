import type { Graph } from './graph.js';
import type { Node } from './node.js';

/*
 * Who reads what in a graph: what every backend's planner asks first (fusion, buffer liveness,
 * lowering to another graph format).
 */

/** The nodes that read each node, one entry per read (a node that reads x twice is listed twice). */
export function consumersOf(graph: Graph): Map<Node, Node[]> {
  const out = new Map<Node, Node[]>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      const list = out.get(i);
      if (list) list.push(n);
      else out.set(i, [n]);
    }
  }
  return out;
}

/** How many times each node is an input of another node of the graph (its consumers, counted). */
export function useCounts(graph: Graph): Map<Node, number> {
  return new Map([...consumersOf(graph)].map(([n, readers]) => [n, readers.length]));
}

/** Nodes whose values a run must keep to its end: the graph's outputs and state updates. */
export function pinnedNodes(graph: Graph): Set<Node> {
  return new Set<Node>([...Object.values(graph.outputs), ...Object.values(graph.updates)]);
}
