import { consumersOf, Graph, type Node } from '@saekit/core';
import type { ConeSpec } from './pointwise-kernel.js';
import { isHostOp } from './pointwise-kernel.js';

/**
 * Host updates: the pointwise cones that end in state updates (an optimizer's step: Adam's is a
 * dozen ops per parameter) computed outside ONNX Runtime, by one WebAssembly SIMD loop per cone
 * (pointwise-kernel.ts) over state kept in the host's memory. ONNX Runtime has no fused optimizer
 * op, so it runs each op of the step as one pass over all the parameters, and onnxruntime-node
 * copies every fetched output (the new parameters and both moments) into a fresh array; here it
 * computes and hands over only the gradients, and the step is one pass.
 */
export interface HostCone extends ConeSpec {
  /** The state each root writes, in root order. */
  readonly states: readonly string[];
  readonly size: number;
}

export interface HostPlan {
  /** What ONNX Runtime runs: the graph without the cones, their leaves as extra outputs. */
  readonly graph: Graph;
  /** The initial state ONNX Runtime keeps: all but the state the cones update. */
  readonly state: Readonly<Record<string, Float32Array>>;
  readonly cones: readonly HostCone[];
  /** Extra output key of each leaf ONNX Runtime computes for the cones (tensor or scalar). */
  readonly leafKeys: ReadonlyMap<Node, string>;
  /** State the cones update that ONNX Runtime also reads: fed to it from the host's memory. */
  readonly fedState: readonly string[];
}

const KEY_PREFIX = 'saekit.host.';

/**
 * Splits `graph` into what ONNX Runtime runs and host cones, or undefined when no cone qualifies
 * or they update fewer than `minValues` values in all (below that, ONNX Runtime's own merged
 * update costs less than a second pass over the gradients' outputs).
 */
export function planHostUpdates(
  graph: Graph,
  state: Readonly<Record<string, Float32Array>>,
  minValues: number,
): HostPlan | undefined {
  const consumers = consumersOf(graph);
  const outputs = new Set(Object.values(graph.outputs));
  const stateOfRoot = new Map<Node, string>();
  const rootsOf = new Map<Node, number>();
  for (const u of Object.values(graph.updates)) rootsOf.set(u, (rootsOf.get(u) ?? 0) + 1);
  for (const [name, u] of Object.entries(graph.updates)) {
    if (name in state && rootsOf.get(u) === 1 && !outputs.has(u) && isHostOp(u) && u.size > 1)
      stateOfRoot.set(u, name);
  }
  // Other updates keep their own value in ONNX Runtime, so none is inside a cone.
  const pinned = new Set<Node>([
    ...outputs,
    ...Object.values(graph.updates).filter((u) => !stateOfRoot.has(u)),
  ]);
  const fits = (n: Node, size: number) =>
    isHostOp(n) &&
    n.size === size &&
    !pinned.has(n) &&
    n.inputs.every((i) => i.size === 1 || i.size === size);

  // Candidates: what the roots reach through pointwise ops of their size ...
  const cand = new Set<Node>();
  for (const root of stateOfRoot.keys()) {
    if (!fits(root, root.size)) continue;
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      if (cand.has(n)) continue;
      cand.add(n);
      for (const i of n.inputs) if (fits(i, root.size)) stack.push(i);
    }
  }
  // ... less every node something outside reads (ONNX Runtime must compute it), to a fixpoint.
  for (let changed = true; changed; ) {
    changed = false;
    for (const n of cand) {
      if ((consumers.get(n) ?? []).some((c) => !cand.has(c))) {
        cand.delete(n);
        changed = true;
      }
    }
  }
  const cones = components(graph, cand, stateOfRoot);
  // A cone reads state only that it updates itself (it runs after ONNX Runtime swapped the rest).
  const updatedBy = new Map<string, HostCone>();
  for (const c of cones) for (const s of c.states) updatedBy.set(s, c);
  const ok = cones.filter((c) =>
    c.leaves.every((l) => l.op.kind !== 'input' || updatedBy.get(l.op.name) === c),
  );
  if (ok.length !== cones.length || ok.length === 0) return undefined;
  if (ok.reduce((t, c) => t + c.size * c.states.length, 0) < minValues) return undefined;

  const leafKeys = new Map<Node, string>();
  const taken = new Set(Object.keys(graph.outputs));
  const nextKey = (): string => {
    let k = `${KEY_PREFIX}${leafKeys.size}`;
    while (taken.has(k)) k += '_';
    taken.add(k);
    return k;
  };
  for (const c of ok) {
    for (const l of [...c.leaves, ...c.scalars]) {
      if (l.op.kind === 'input' && updatedBy.has(l.op.name)) continue; // in the host's memory
      if (!leafKeys.has(l)) leafKeys.set(l, nextKey());
    }
  }
  const hostState = new Set(ok.flatMap((c) => c.states));
  const extra = Object.fromEntries([...leafKeys].map(([n, k]) => [k, n]));
  const updates = Object.fromEntries(Object.entries(graph.updates).filter(([name]) => !hostState.has(name)));
  const ortGraph = Graph.from({ outputs: { ...graph.outputs, ...extra }, updates });
  return {
    graph: ortGraph,
    state: Object.fromEntries(Object.entries(state).filter(([name]) => !hostState.has(name))),
    cones: ok,
    leafKeys,
    fedState: [...hostState].filter((name) => ortGraph.inputs.has(name)),
  };
}

/** The connected parts of the candidates, each a cone with its leaves and roots in graph order. */
function components(
  graph: Graph,
  cand: ReadonlySet<Node>,
  stateOfRoot: ReadonlyMap<Node, string>,
): HostCone[] {
  const parent = new Map<Node, Node>([...cand].map((n) => [n, n]));
  const find = (n: Node): Node => {
    let r = n;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(n, r);
    return r;
  };
  for (const n of cand) for (const i of n.inputs) if (cand.has(i)) parent.set(find(i), find(n));
  const groups = new Map<Node, Node[]>();
  for (const n of graph.nodes) {
    if (!cand.has(n)) continue;
    const r = find(n);
    groups.set(r, [...(groups.get(r) ?? []), n]);
  }
  const cones: HostCone[] = [];
  for (const nodes of groups.values()) {
    const roots = nodes.filter((n) => stateOfRoot.has(n));
    if (roots.length === 0) continue;
    const leaves: Node[] = [];
    const scalars: Node[] = [];
    for (const n of nodes) {
      for (const i of n.inputs) {
        if (cand.has(i) || leaves.includes(i) || scalars.includes(i)) continue;
        if (i.size > 1) leaves.push(i);
        else if (i.op.kind !== 'const') scalars.push(i);
      }
    }
    cones.push({
      nodes,
      leaves,
      scalars,
      roots,
      states: roots.map((r) => stateOfRoot.get(r)!),
      size: roots[0].size,
    });
  }
  return cones;
}
