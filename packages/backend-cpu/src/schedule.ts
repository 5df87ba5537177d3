import type { Graph, Node } from '@saekit/core';

/** Nodes up to this size that need nothing but inputs and constants run first. */
const HOIST_MAX_SIZE = 4096;

/**
 * The order the executable runs a graph's nodes in: the graph's own topological order, except that
 * small nodes computed from inputs and constants alone (an optimizer's step sizes, a loss's
 * per-example weights, a gradient's constant seed) run before everything else. Their values then
 * exist from the start, so a loop group (groups.ts) that reads them can form early in the step:
 * Adam's parameter update joins the loop of its moments, and the decoder's gradient joins the loop
 * of its output. Inputs and constants come first of all (they have slots, not steps).
 */
export function schedule(graph: Graph): Node[] {
  const early = new Set<Node>();
  const leaves: Node[] = [];
  const hoisted: Node[] = [];
  const rest: Node[] = [];
  for (const n of graph.nodes) {
    const kind = n.op.kind;
    if (kind === 'input' || kind === 'const') {
      early.add(n);
      leaves.push(n);
    } else if (n.inputs.every((i) => early.has(i)) && (kind === 'reshape' || n.size <= HOIST_MAX_SIZE)) {
      early.add(n);
      hoisted.push(n);
    } else rest.push(n);
  }
  return [...leaves, ...hoisted, ...rest];
}
