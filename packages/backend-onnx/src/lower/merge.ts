import { type Graph, isBinaryOp, isUnaryOp, type Node, pinnedNodes } from '@saekit/core';

/**
 * Update families lowered together. An optimizer updates every parameter with the same chain of
 * elementwise ops (Adam: 14 per parameter in the seed step). ONNX Runtime runs each op on its own,
 * so the chains of the four SAE parameters cost four times the per-op price, mostly over small
 * tensors. When the chains are alike, they are lowered once over the values of
 * all parameters laid end to end: their state (parameters, moments) is stored contiguously by the
 * executable (one input, one output, no copy; a parameter other ops read is also fed as a view of
 * its part), and the other operands (the gradients) are concatenated.
 *
 * A family is the elementwise cone of one or more state updates: the ops of the update's own shape
 * that lead to it, read by nothing but the family. Its leaves are single values (shared by every
 * family of a group: the step size, the guard's condition) and tensors of the update's shape.
 */
export interface Family {
  /** The cone, in graph order. */
  readonly nodes: readonly Node[];
  /** Tensor leaves, in canonical order (the same position means the same role in every family). */
  readonly leaves: readonly Node[];
  /** Update roots, in canonical order, with the state each one updates. */
  readonly roots: readonly { readonly node: Node; readonly state: string }[];
  readonly size: number;
}

export interface MergeGroup {
  readonly families: readonly Family[];
  /** The first family's scalar leaves (the others' are the same nodes, or constants of equal value). */
  readonly scalars: readonly Node[];
  /** Emitted when the lowering reaches this node (the last cone node of the group). */
  readonly last: Node;
}

/** Elementwise ops the merged lowering emits as one op (comparisons stay leaves). */
export const isPointwise = (n: Node): boolean =>
  isUnaryOp(n.op) ||
  (isBinaryOp(n.op) && n.op.kind !== 'greater' && n.op.kind !== 'greaterEqual') ||
  n.op.kind === 'where';
/** Whether two nodes have the same shape. */
export const sameShape = (a: Node, b: Node): boolean =>
  a.rank === b.rank && a.shape.every((d, i) => d === b.shape[i]);

/**
 * Groups of at least two alike families. `outputs` are nodes that are graph outputs (a cone node
 * must not be one: its value is never written on its own); `fed` tells a state input, which a
 * tensor leaf must be if an update of the family writes it.
 */
export function findMergeGroups(
  graph: Graph,
  consumers: ReadonlyMap<Node, readonly Node[]>,
  outputs: ReadonlySet<Node>,
  fed: (name: string) => boolean,
): MergeGroup[] {
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  // Roots: the new values of fed state, each the update of one state and no graph output.
  const updatesOf = new Map<Node, string[]>();
  for (const [name, u] of Object.entries(graph.updates))
    updatesOf.set(u, [...(updatesOf.get(u) ?? []), name]);
  const stateOf = new Map<Node, string>();
  for (const [u, names] of updatesOf) {
    if (isPointwise(u) && u.size > 1 && names.length === 1 && fed(names[0]) && !outputs.has(u))
      stateOf.set(u, names[0]);
  }
  // Any other update or output keeps its own value, so it is never inside a cone.
  const pinned = new Set<Node>([...outputs, ...[...updatesOf.keys()].filter((u) => !stateOf.has(u))]);
  // One cone per update root; roots whose cones meet form one family.
  const coneOf = new Map<Node, Node>(); // cone node -> the root it was first reached from
  const families = new Map<Node, Set<Node>>(); // root -> family's nodes (merged on contact)
  const rootSet = new Map<Node, Node>(); // root -> family key root
  const find = (r: Node): Node => {
    let k = r;
    while (rootSet.get(k) !== k) k = rootSet.get(k)!;
    return k;
  };
  for (const root of stateOf.keys()) {
    rootSet.set(root, root);
    families.set(root, new Set());
    const stack = [root];
    while (stack.length) {
      const n = stack.pop()!;
      const seen = coneOf.get(n);
      if (seen) {
        const a = find(seen);
        const b = find(root);
        if (a !== b) {
          for (const x of families.get(b)!) families.get(a)!.add(x);
          families.delete(b);
          rootSet.set(b, a);
        }
        continue;
      }
      coneOf.set(n, root);
      families.get(find(root))!.add(n);
      for (const i of n.inputs) if (isPointwise(i) && sameShape(i, root) && !pinned.has(i)) stack.push(i);
    }
  }

  const byKey = new Map<string, { family: Family; scalars: Node[] }[]>();
  for (const nodes of families.values()) {
    const f = describe(
      [...nodes].sort((a, b) => order.get(a)! - order.get(b)!),
      consumers,
      stateOf,
      fed,
    );
    if (!f) continue;
    const list = byKey.get(f.key) ?? [];
    list.push(f);
    byKey.set(f.key, list);
  }
  const groups: MergeGroup[] = [];
  for (const list of byKey.values()) {
    if (list.length < 2) continue;
    const all = list.flatMap((f) => f.family.nodes);
    const last = all.reduce((a, b) => (order.get(a)! > order.get(b)! ? a : b));
    groups.push({ families: list.map((f) => f.family), scalars: list[0].scalars, last });
  }
  return groups;
}

/**
 * The family's canonical form: a depth-first walk from its roots that names cone nodes and tensor
 * leaves by first visit and scalar leaves by identity, so two families get the same key exactly
 * when one set of merged ops computes both. Undefined when the family cannot be merged: a cone node
 * read from outside, a leaf that broadcasts, or a state it updates that it does not read as a leaf.
 */
function describe(
  nodes: readonly Node[],
  consumers: ReadonlyMap<Node, readonly Node[]>,
  stateOf: ReadonlyMap<Node, string>,
  fed: (name: string) => boolean,
): { family: Family; scalars: Node[]; key: string } | undefined {
  const inCone = new Set(nodes);
  for (const n of nodes) if ((consumers.get(n) ?? []).some((c) => !inCone.has(c))) return undefined;
  const roots = nodes.filter((n) => stateOf.has(n));
  const tops = roots.filter((r) => !(consumers.get(r) ?? []).some((c) => inCone.has(c)));
  const ids = new Map<Node, number>();
  const leaves: Node[] = [];
  const scalars: Node[] = [];
  let ok = true;
  const visit = (n: Node): string => {
    const id = ids.get(n);
    if (id !== undefined) return `#${id}`;
    if (inCone.has(n)) {
      ids.set(n, ids.size);
      return `${n.op.kind}(${n.inputs.map(visit).join(',')})`;
    }
    if (n.size === 1) {
      ids.set(n, ids.size);
      scalars.push(n);
      // A constant is known by its value (each family has its own node for b1, 1 - b1, ...).
      return n.op.kind === 'const' ? `c${n.op.value[0]}` : `s${n.id}`;
    }
    if (!sameShape(n, nodes[0])) ok = false;
    ids.set(n, ids.size);
    leaves.push(n);
    return `L`;
  };
  const body = tops.map(visit).join(';');
  if (!ok || ids.size === 0) return undefined;
  // Which root updates which leaf: every updated state must be one of the family's leaves, so
  // that its storage can be merged.
  const orderedRoots = [...roots].sort((a, b) => ids.get(a)! - ids.get(b)!);
  const links: string[] = [];
  for (const r of orderedRoots) {
    const state = stateOf.get(r)!;
    const leaf = leaves.findIndex((l) => l.op.kind === 'input' && l.op.name === state);
    if (leaf < 0 || !fed(state)) return undefined;
    links.push(`${ids.get(r)}>${leaf}`);
  }
  return {
    family: {
      nodes,
      leaves,
      roots: orderedRoots.map((node) => ({ node, state: stateOf.get(node)! })),
      size: nodes[0].size,
    },
    scalars,
    key: `${body}|${links.join(',')}`,
  };
}

/** State stored contiguously for a merged update group: one input, one output, in this layout. */
export interface MergedState {
  readonly input: string;
  readonly output: string;
  readonly size: number;
  /** Each state's part; `fed`: other ops read it too, so it is also an input (a view of its part). */
  readonly entries: readonly {
    readonly name: string;
    readonly offset: number;
    readonly size: number;
    readonly fed: boolean;
  }[];
}

/** Merge groups, the names of the merged state, and the names and layouts of the merged vectors. */
export function planMerges(
  graph: Graph,
  consumers: ReadonlyMap<Node, readonly Node[]>,
  fed: readonly string[],
  claim: (want: string) => string,
): { groups: MergeGroup[]; slots: Set<string>; merged: MergedState[] } {
  const outputs = new Set(Object.values(graph.outputs));
  const groups = findMergeGroups(graph, consumers, outputs, (name) => fed.includes(name));
  // A value read by name elsewhere: by an op outside the cones, or as an output or update itself.
  const readAlone = pinnedNodes(graph);
  const slots = new Set<string>();
  const merged: MergedState[] = [];
  for (const [gi, group] of groups.entries()) {
    const cone = new Set(group.families.flatMap((f) => f.nodes));
    const leafSlots = new Set(
      group.families[0].roots.map((r) =>
        group.families[0].leaves.findIndex((l) => l.op.kind === 'input' && l.op.name === r.state),
      ),
    );
    for (const leaf of [...leafSlots].sort((a, b) => a - b)) {
      let offset = 0;
      const entries = group.families.map((f) => {
        const node = f.leaves[leaf];
        const name = (node.op as { name: string }).name;
        slots.add(name);
        const fedToo = readAlone.has(node) || (consumers.get(node) ?? []).some((c) => !cone.has(c));
        const e = { name, offset, size: node.size, fed: fedToo };
        offset += node.size;
        return e;
      });
      merged.push({
        input: claim(`saekit.merged_${gi}_${leaf}`),
        output: claim(`saekit.merged_${gi}_${leaf}.next`),
        size: offset,
        entries,
      });
    }
  }
  return { groups, slots, merged };
}
