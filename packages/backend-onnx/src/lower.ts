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
import { Emitter } from './lower/emit.js';
import { columnSums, type Fusions, gemmAdds } from './lower/fusions.js';
import { findGuards } from './lower/guards.js';
import { type MergedState, planMerges } from './lower/merge.js';
import {
  checkPack,
  emitPack,
  emitUnpack,
  type PackedLayout,
  type PackRequest,
  packLayout,
} from './lower/pack.js';
import { RULES } from './lower/rules.js';
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

const PACKED_INPUT = 'saekit.packed_state';
const PACKED_OUTPUT = 'saekit.packed_outputs';

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
  const dimParam = opts.dynamicBatch?.dimParam ?? 'batch';
  const shapes = batchShapes(graph, opts.dynamicBatch?.inputs ?? []);
  const b = new GraphBuilder();
  const initializers = opts.initializers ?? {};
  for (const name of Object.keys(initializers)) {
    if (!graph.inputs.has(name))
      throw new Error(`onnx lowering: initializer "${name}" names no input of the graph`);
  }

  // Names: inputs keep theirs; outputs keep their key unless taken; updates get `<name>.next`.
  const inputNames: string[] = [];
  for (const [name, n] of graph.inputs) {
    b.reserve(name);
    if (name in initializers) {
      const v = initializers[name];
      if (v.length !== n.size)
        throw new Error(`onnx lowering: initializer "${name}" has ${v.length} values, ${n} needs ${n.size}`);
      b.namedInitializer(name, n.shape, v);
    } else inputNames.push(name);
  }
  const claim = (want: string): string => (b.isUsed(want) ? b.fresh(want) : b.reserve(want));
  const consumers = consumersOf(graph);
  const merging = opts.mergeUpdates
    ? planMerges(graph, consumers, inputNames, claim)
    : { groups: [], slots: new Set<string>(), merged: [] };
  const outputs: Record<string, string> = {};
  for (const key of Object.keys(graph.outputs)) outputs[key] = claim(key);
  const updates: Record<string, string> = {};
  for (const key of Object.keys(graph.updates)) {
    if (!merging.slots.has(key)) updates[key] = claim(`${key}.next`);
  }
  const pack =
    opts.pack &&
    checkPack(
      graph,
      { state: opts.pack.state.filter((name) => !merging.slots.has(name)), outputs: opts.pack.outputs },
      inputNames,
    );
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

  // A computed node that is an output writes its value under the output's name directly.
  const direct = new Map<Node, string>();
  const sources: [string, Node][] = [
    ...Object.entries(graph.outputs).map(([k, n]): [string, Node] => [outputs[k], n]),
    ...Object.entries(graph.updates)
      .filter(([k]) => k in updates)
      .map(([k, n]): [string, Node] => [updates[k], n]),
  ];
  for (const [onnxName, n] of sources) {
    if (n.op.kind !== 'input' && n.op.kind !== 'const' && !direct.has(n)) direct.set(n, onnxName);
  }

  const uses = useCounts(graph);
  const pinned = new Set<Node>([...pinnedNodes(graph), ...direct.keys()]);
  // Merged cones are lowered by their own rule: none of their adds becomes a Gemm.
  const cones = new Set<Node>(merging.groups.flatMap((g) => g.families.flatMap((f) => f.nodes)));
  const adds = gemmAdds(graph, uses, pinned);
  for (const n of cones) adds.delete(n);
  const sums = columnSums(graph, uses, pinned, (n) => !isBatchDim(shapes.get(n)![0]));
  // Nodes whose value is never written: a Gemm's matmul, a weighted column sum's product.
  const folded = new Set<Node>([
    ...[...adds.values()].map((f) => f.mm),
    ...[...sums].flatMap(([sum, c]) => (c.weights ? [sum.inputs[0]] : [])),
  ]);
  const fusions: Fusions = { adds, sums, folded };
  const keep = new Set<Node>([...pinned, ...adds.keys(), ...folded, ...cones]);
  const info = (name: string, s: SymShape): ValueInfoProto => valueInfo(name, s, dimParam);
  const batchSource = opts.dynamicBatch?.inputs.find((i) => graph.inputs.has(i) && !(i in initializers));
  const emitter = new Emitter({
    b,
    opset,
    shapes,
    shapeTensors: new ShapeTensors(b, shapes, batchSource),
    direct,
    fusions,
    guards: findGuards(graph, uses, keep, cones),
    merges: { groups: merging.groups, merged: merging.merged, uses },
    info,
  });
  for (const n of graph.nodes) emitter.lower(n);
  for (const [onnxName, n] of sources) {
    if (direct.get(n) !== onnxName) b.op('Identity', [emitter.value(n)], {}, onnxName);
  }

  // Merged state: one input and one output per group slot; a state other ops read stays an input.
  const mergedOnly = new Set(
    merging.merged.flatMap((m) => m.entries.filter((e) => !e.fed).map((e) => e.name)),
  );
  const fedNames = [
    ...inputNames.filter((name) => !mergedOnly.has(name)),
    ...merging.merged.map((m) => m.input),
  ];
  const inputInfo = (name: string): ValueInfoProto => {
    const m = merging.merged.find((x) => x.input === name);
    return m ? info(name, [m.size]) : info(name, shapes.get(graph.inputs.get(name)!)!);
  };
  const graphOf = (input: ValueInfoProto[], output: ValueInfoProto[]): GraphProto => ({
    name: opts.graphName ?? 'saekit',
    node: b.nodes,
    initializer: b.initializers,
    input,
    output,
  });
  const output = [
    ...sources.map(([name, n]) => info(name, shapes.get(n)!)),
    ...merging.merged.map((m) => info(m.output, [m.size])),
  ];
  const merged = merging.merged.length ? merging.merged : undefined;
  if (!pack) {
    const graphProto = graphOf(fedNames.map(inputInfo), output);
    return { graph: graphProto, opset, irVersion, inputs: fedNames, outputs, updates, merged };
  }

  // Packed values leave the graph's inputs and outputs; the two flat vectors take their place.
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
  const leftIn = fedNames.filter((name) => !pack.state.includes(name));
  if (layout.input) leftIn.push(layout.input);
  const input = leftIn.map((name) =>
    name === layout.input ? info(name, [layout.inputSize]) : inputInfo(name),
  );
  const leftOut = [
    ...output.filter((v) => !packedNames.includes(v.name!)),
    info(PACKED_OUTPUT, [layout.outputSize]),
  ];
  const omit = <T>(r: Record<string, T>, keys: readonly string[]): Record<string, T> =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
  return {
    graph: graphOf(input, leftOut),
    opset,
    irVersion,
    inputs: leftIn,
    outputs: omit(outputs, pack.outputs),
    updates: omit(updates, pack.state),
    packed: layout,
    merged,
  };
}
