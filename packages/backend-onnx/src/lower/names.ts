import { consumersOf, type Graph, type Node } from '@saekit/core';
import type { GraphBuilder } from './builder.js';
import { type MergedState, type MergeGroup, planMerges } from './merge.js';
import { checkPack, emitUnpack, type PackRequest } from './pack.js';

export const PACKED_INPUT = 'saekit.packed_state';
export const PACKED_OUTPUT = 'saekit.packed_outputs';

/** The ONNX names of a graph's inputs, outputs and updates, decided before any node is emitted. */
export interface ValueNames {
  /** Fed inputs (not initializers), by name. */
  readonly fed: readonly string[];
  /** Graph output key -> ONNX output name. */
  readonly outputs: Record<string, string>;
  /** State input name -> ONNX output name of its update (merged state has none). */
  readonly updates: Record<string, string>;
  /** Each output and unmerged update: its ONNX name and the node whose value it is. */
  readonly sources: readonly (readonly [string, Node])[];
  /** Computed nodes that write their value under an output's name directly. */
  readonly direct: ReadonlyMap<Node, string>;
  readonly merges: {
    readonly groups: MergeGroup[];
    readonly slots: Set<string>;
    readonly merged: MergedState[];
  };
  /** The packed values, checked (see pack.ts); their Split is emitted. */
  readonly pack?: PackRequest;
}

/**
 * Names every value the model exchanges: inputs keep theirs (initializers are written here);
 * outputs keep their key unless taken; updates get `<name>.next`; merged and packed state get
 * their vectors' names.
 */
export function nameValues(
  graph: Graph,
  b: GraphBuilder,
  opts: {
    readonly initializers: Readonly<Record<string, ArrayLike<number>>>;
    readonly mergeUpdates?: boolean;
    readonly pack?: PackRequest;
  },
): ValueNames {
  const fed: string[] = [];
  for (const [name, n] of graph.inputs) {
    b.reserve(name);
    if (!(name in opts.initializers)) {
      fed.push(name);
      continue;
    }
    const v = opts.initializers[name];
    if (v.length !== n.size)
      throw new Error(`onnx lowering: initializer "${name}" has ${v.length} values, ${n} needs ${n.size}`);
    b.namedInitializer(name, n.shape, v);
  }
  const claim = (want: string): string => (b.isUsed(want) ? b.fresh(want) : b.reserve(want));
  const merges = opts.mergeUpdates
    ? planMerges(graph, consumersOf(graph), fed, claim)
    : { groups: [], slots: new Set<string>(), merged: [] };
  const outputs: Record<string, string> = {};
  for (const key of Object.keys(graph.outputs)) outputs[key] = claim(key);
  const updates: Record<string, string> = {};
  for (const key of Object.keys(graph.updates)) {
    if (!merges.slots.has(key)) updates[key] = claim(`${key}.next`);
  }
  const unmerged = opts.pack && {
    state: opts.pack.state.filter((name) => !merges.slots.has(name)),
    outputs: opts.pack.outputs,
  };
  const pack = unmerged && checkPack(graph, unmerged, fed);
  if (pack) {
    b.reserve(PACKED_OUTPUT);
    if (pack.state.length) {
      b.reserve(PACKED_INPUT);
      const values = pack.state.map((name) => {
        const n = graph.inputs.get(name)!;
        return { name, size: n.size, dims: n.shape };
      });
      emitUnpack(b, PACKED_INPUT, values);
    }
  }
  const sources: (readonly [string, Node])[] = [
    ...Object.entries(graph.outputs).map(([k, n]) => [outputs[k], n] as const),
    ...Object.entries(graph.updates)
      .filter(([k]) => k in updates)
      .map(([k, n]) => [updates[k], n] as const),
  ];
  const direct = new Map<Node, string>();
  for (const [onnxName, n] of sources) {
    if (n.op.kind !== 'input' && n.op.kind !== 'const' && !direct.has(n)) direct.set(n, onnxName);
  }
  return { fed, outputs, updates, sources, direct, merges, pack };
}
