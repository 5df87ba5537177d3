import type { Node } from '@saekit/core';

/**
 * Adam's step in core's form, div(mul(m, s), add(mul(sqrt(v), r), eps)) with scalars s, r and eps,
 * is m / (sqrt(v) + eps/r) · (s/r): the scalars meet among themselves first, so the step costs
 * four passes over the merged parameters (Sqrt, Add, Div, Mul) instead of five. Only for
 * groups of at least STEP_SCALE_MIN_SIZE values: below that a node's fixed cost outweighs the pass
 * it saves, and the form adds a scalar node.
 */
export const STEP_SCALE_MIN_SIZE = 1 << 20;

export interface StepScale {
  readonly m: Node;
  readonly v: Node;
  readonly s: Node;
  readonly r: Node;
  readonly eps: Node;
}

/** The steps found among `cone` (keyed by their div), and the nodes they absorb (never emitted). */
export function findStepScales(
  cone: readonly Node[],
  uses: ReadonlyMap<Node, number>,
): { steps: Map<Node, StepScale>; absorbed: Set<Node> } {
  const steps = new Map<Node, StepScale>();
  const absorbed = new Set<Node>();
  const inCone = new Set(cone);
  const only = (n: Node) => inCone.has(n) && uses.get(n) === 1;
  const scalarIn = (n: Node, kind: string): [Node, Node] | undefined => {
    if (n.op.kind !== kind || !only(n)) return undefined;
    const [a, b] = n.inputs;
    if (b.size === 1 && a.size > 1) return [a, b];
    if (a.size === 1 && b.size > 1) return [b, a];
    return undefined;
  };
  for (const n of cone) {
    if (n.op.kind !== 'div') continue;
    const num = scalarIn(n.inputs[0], 'mul');
    const den = scalarIn(n.inputs[1], 'add');
    const scaled = den && scalarIn(den[0], 'mul');
    const root = scaled?.[0];
    if (!num || !den || !scaled || !root || root.op.kind !== 'sqrt' || !only(root)) continue;
    steps.set(n, { m: num[0], v: root.inputs[0], s: num[1], r: scaled[1], eps: den[1] });
    for (const a of [n.inputs[0], n.inputs[1], den[0], root]) absorbed.add(a);
  }
  return { steps, absorbed };
}
