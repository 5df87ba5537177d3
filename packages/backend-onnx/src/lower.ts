import {
  consumersOf,
  type Graph,
  type Node,
  OP_KINDS,
  type OpKind,
  pinnedNodes,
  useCounts,
} from '@saekit/core';
import { batchShapes, isBatchDim, type SymShape, valueInfo } from './lower/batch.js';
import { GraphBuilder } from './lower/builder.js';
import { Emitter, type LowerContext } from './lower/emit.js';
import { columnSums, gemmAdds } from './lower/fusions.js';
import { findGuards } from './lower/guards.js';
import type { MergedState } from './lower/merge.js';
import { nameValues, PACKED_INPUT, PACKED_OUTPUT, type ValueNames } from './lower/names.js';
import { emitPack, type PackedLayout, type PackRequest, packLayout } from './lower/pack.js';
import { RULES } from './lower/rules.js';
import { selectedPres } from './lower/selected-pre.js';
import { ShapeTensors } from './lower/shape-tensors.js';
import { resolveOpset } from './opset.js';
import type { GraphProto, ValueInfoProto } from './proto/types.js';

export { DynamicBatchError } from './lower/batch.js';
export type { MergedState } from './lower/merge.js';
export type { PackEntry, PackedLayout } from './lower/pack.js';

/** Every op kind of the core graph; the lowering has a rule for each (lower/rules.ts). */
export const LOWERED_OPS: ReadonlySet<OpKind> = new Set<OpKind>(OP_KINDS.filter((k) => k in RULES));

export interface LowerOptions {
  /** ONNX opset to target, 17 (default) to 26. The IR version follows from it (see opset.ts). */
  readonly opset?: number;
  /**
   * Inputs whose leading dimension is the batch: it is written as the symbolic `dim_param` (default
   * `batch`) and every shape that depends on it is computed at run time, so the model runs at any
   * batch size. The graph must be built with that leading size >= 2 and unlike its other sizes.
   */
  readonly dynamicBatch?: { readonly inputs: readonly string[]; readonly dimParam?: string };
  /** Inputs baked into the model as initializers (the parameters of an exported model). */
  readonly initializers?: Readonly<Record<string, ArrayLike<number>>>;
  readonly graphName?: string;
  /**
   * Fed and fetched as one flat vector each (see lower/pack.ts): `state` inputs (each must have an
   * update) go in as one input, and their updates, then the `outputs` (graph output keys), come
   * out as one output. Not with a dynamic batch.
   */
  readonly pack?: PackRequest;
  /**
   * Lower alike update chains of several state values (an optimizer's, one per parameter) once
   * over their values laid end to end (see lower/merge.ts); their state is then fed and fetched
   * as `merged` vectors. Packed state that is merged is not packed. Not with a dynamic batch.
   */
  readonly mergeUpdates?: boolean;
}

export interface LoweredGraph {
  readonly graph: GraphProto;
  readonly opset: number;
  readonly irVersion: number;
  /** ONNX input names, in order: the graph inputs that are not initializers. */
  readonly inputs: readonly string[];
  /** Graph output key -> ONNX output name. */
  readonly outputs: Readonly<Record<string, string>>;
  /** State input name -> ONNX output name holding its updated value. */
  readonly updates: Readonly<Record<string, string>>;
  /** With the `pack` option: where each packed value lives (packed ones are not in the above). */
  readonly packed?: PackedLayout;
  /** With `mergeUpdates`: the merged state (its updates are not in `updates`). */
  readonly merged?: readonly MergedState[];
}

/**
 * Lowers a whole graph to one ONNX GraphProto: every output and every update becomes a graph
 * output, inputs stay inputs unless given as initializers, constants become initializers.
 * @throws DynamicBatchError when `dynamicBatch` is asked for a graph that depends on the batch size
 */
export function lowerGraph(graph: Graph, opts: LowerOptions = {}): LoweredGraph {
  const { opset, irVersion } = resolveOpset(opts.opset);
  for (const n of graph.nodes) {
    if (!LOWERED_OPS.has(n.op.kind)) throw new Error(`onnx lowering: no rule for op "${n.op.kind}"`);
  }
  if ((opts.pack || opts.mergeUpdates) && opts.dynamicBatch)
    throw new Error('onnx lowering: pack and mergeUpdates do not go together with dynamicBatch');
  const shapes = batchShapes(graph, opts.dynamicBatch?.inputs ?? []);
  const initializers = opts.initializers ?? {};
  for (const name of Object.keys(initializers)) {
    if (!graph.inputs.has(name))
      throw new Error(`onnx lowering: initializer "${name}" names no input of the graph`);
  }
  const b = new GraphBuilder();
  const names = nameValues(graph, b, { initializers, mergeUpdates: opts.mergeUpdates, pack: opts.pack });
  const dimParam = opts.dynamicBatch?.dimParam ?? 'batch';
  const info = (name: string, s: SymShape): ValueInfoProto => valueInfo(name, s, dimParam);
  const batchSource = opts.dynamicBatch?.inputs.find((i) => graph.inputs.has(i) && !(i in initializers));
  const emitter = new Emitter({
    ...planFusions(graph, names, shapes),
    b,
    opset,
    shapes,
    shapeTensors: new ShapeTensors(b, shapes, batchSource),
    direct: names.direct,
    info,
  });
  for (const n of graph.nodes) emitter.lower(n);
  for (const [onnxName, n] of names.sources) {
    if (names.direct.get(n) !== onnxName) b.op('Identity', [emitter.value(n)], {}, onnxName);
  }
  const io = graphIO(graph, b, names, (name, n) => info(name, shapes.get(n)!), info);
  return {
    graph: {
      name: opts.graphName ?? 'saekit',
      node: b.nodes,
      initializer: b.initializers,
      input: io.input,
      output: io.output,
    },
    opset,
    irVersion,
    ...io.names,
    merged: names.merges.merged.length ? names.merges.merged : undefined,
  };
}

/** Which nodes are emitted fused, merged or inside a guard's If (see the lower/ modules). */
function planFusions(
  graph: Graph,
  names: ValueNames,
  shapes: ReadonlyMap<Node, SymShape>,
): Pick<LowerContext, 'fusions' | 'guards' | 'merges'> {
  const uses = useCounts(graph);
  const pinned = new Set<Node>([...pinnedNodes(graph), ...names.direct.keys()]);
  const { groups, merged } = names.merges;
  // Merged cones are lowered by their own rule: none of their adds becomes a Gemm.
  const cones = new Set<Node>(groups.flatMap((g) => g.families.flatMap((f) => f.nodes)));
  const adds = gemmAdds(graph, uses, pinned);
  for (const n of cones) adds.delete(n);
  const sums = columnSums(graph, uses, pinned, (n) => !isBatchDim(shapes.get(n)![0]));
  const selected = selectedPres(graph, consumersOf(graph), pinned);
  // Nodes whose value is never written: a Gemm's matmul, a weighted column sum's product, what
  // only a selection's recomputation read.
  const folded = new Set<Node>([
    ...selected.dead,
    ...[...adds.values()].map((f) => f.mm),
    ...[...sums].flatMap(([sum, c]) => (c.weights ? [sum.inputs[0]] : [])),
  ]);
  const keep = new Set<Node>([...pinned, ...adds.keys(), ...folded, ...cones]);
  return {
    fusions: { adds, sums, selected, folded },
    guards: findGuards(graph, uses, keep, cones),
    merges: { groups, merged, uses },
  };
}

/**
 * The model's inputs and outputs: fed inputs, then one input per merged vector (a merged state
 * other ops read stays an input too); outputs and updates, then the merged vectors. Packed values
 * leave both lists for the two flat vectors, whose Concat is emitted here.
 */
function graphIO(
  graph: Graph,
  b: GraphBuilder,
  names: ValueNames,
  infoOf: (name: string, n: Node) => ValueInfoProto,
  info: (name: string, s: SymShape) => ValueInfoProto,
): {
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  names: Pick<LoweredGraph, 'inputs' | 'outputs' | 'updates' | 'packed'>;
} {
  const { merged } = names.merges;
  const mergedOnly = new Set(merged.flatMap((m) => m.entries.filter((e) => !e.fed).map((e) => e.name)));
  const fed = [...names.fed.filter((name) => !mergedOnly.has(name)), ...merged.map((m) => m.input)];
  const inputInfo = (name: string): ValueInfoProto => {
    const m = merged.find((x) => x.input === name);
    return m ? info(name, [m.size]) : infoOf(name, graph.inputs.get(name)!);
  };
  const output = [
    ...names.sources.map(([name, n]) => infoOf(name, n)),
    ...merged.map((m) => info(m.output, [m.size])),
  ];
  const { outputs, updates, pack } = names;
  if (!pack) return { input: fed.map(inputInfo), output, names: { inputs: fed, outputs, updates } };

  const packedNodes = [
    ...pack.state.map((k) => graph.updates[k]),
    ...pack.outputs.map((k) => graph.outputs[k]),
  ];
  const packedNames = [...pack.state.map((k) => updates[k]), ...pack.outputs.map((k) => outputs[k])];
  emitPack(
    b,
    PACKED_OUTPUT,
    packedNames.map((name, i) => ({ name, dims: packedNodes[i].shape })),
  );
  const layout = packLayout(
    pack.state.map((name) => ({ name, size: graph.inputs.get(name)!.size })),
    pack.outputs.map((name) => ({ name, size: graph.outputs[name].size })),
    { input: PACKED_INPUT, output: PACKED_OUTPUT },
  );
  const inputs = fed.filter((name) => !pack.state.includes(name));
  if (layout.input) inputs.push(layout.input);
  const omit = <T>(r: Record<string, T>, keys: readonly string[]): Record<string, T> =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
  return {
    input: inputs.map((name) => (name === layout.input ? info(name, [layout.inputSize]) : inputInfo(name))),
    output: [
      ...output.filter((v) => !packedNames.includes(v.name!)),
      info(PACKED_OUTPUT, [layout.outputSize]),
    ],
    names: {
      inputs,
      outputs: omit(outputs, pack.outputs),
      updates: omit(updates, pack.state),
      packed: layout,
    },
  };
}
