import {
  type BinaryKind,
  consumersOf,
  type Graph,
  isBinaryOp,
  isUnaryOp,
  type Node,
  OP_KINDS,
  type OpKind,
  pinnedNodes,
  type UnaryKind,
  useCounts,
} from '@saekit/core';
import { GraphBuilder } from './lower/builder.js';
import { type ColumnSum, columnSums, type GemmAdd, gemmAdds } from './lower/fusions.js';
import { findGuards, type GuardGroup, type Guards } from './lower/guards.js';
import { findMergeGroups, type MergeGroup } from './lower/merge.js';
import { emitPack, emitUnpack, type PackedLayout, packLayout } from './lower/pack.js';
import { DynamicBatchError, inferBatchShapes, isBatchDim, type SymShape } from './lower/symbolic.js';
import { resolveOpset } from './opset.js';
import {
  AttributeType,
  DataType,
  type GraphProto,
  type NodeProto,
  type ValueInfoProto,
} from './proto/types.js';

export type { PackEntry, PackedLayout } from './lower/pack.js';
export { DynamicBatchError } from './lower/symbolic.js';

/** Every op kind of the core graph; the lowering handles each one. */
export const LOWERED_OPS: ReadonlySet<OpKind> = new Set<OpKind>(OP_KINDS);

const UNARY_OP: Readonly<Record<UnaryKind, string>> = {
  neg: 'Neg',
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  abs: 'Abs',
  sign: 'Sign',
  relu: 'Relu',
  sigmoid: 'Sigmoid',
};
/** Comparisons give an ONNX bool tensor, cast to float (1 or 0). */
type CompareKind = 'greater' | 'greaterEqual';
const COMPARE_OP: Readonly<Record<CompareKind, string>> = {
  greater: 'Greater',
  greaterEqual: 'GreaterOrEqual',
};
const isCompare = (kind: BinaryKind): kind is CompareKind => kind in COMPARE_OP;
const BINARY_OP: Readonly<Record<Exclude<BinaryKind, CompareKind>, string>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  maximum: 'Max',
};

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
  readonly pack?: { readonly state: readonly string[]; readonly outputs: readonly string[] };
  /**
   * Lower alike update chains of several state values (an optimizer's, one per parameter) once
   * over their values laid end to end (see lower/merge.ts); their state is then fed and fetched
   * as `merged` vectors. Packed state that is merged is not packed. Not with a dynamic batch.
   */
  readonly mergeUpdates?: boolean;
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
  const shapes = symbolicShapes(graph, opts.dynamicBatch?.inputs ?? []);
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
  const unmergedPack = opts.pack && {
    state: opts.pack.state.filter((name) => !merging.slots.has(name)),
    outputs: opts.pack.outputs,
  };
  const pack = unmergedPack && checkPack(graph, unmergedPack, inputNames);
  if (pack) {
    b.reserve(PACKED_OUTPUT);
    if (pack.state.length) {
      b.reserve(PACKED_INPUT);
      const values = pack.state.map((name) => ({
        name,
        size: graph.inputs.get(name)!.size,
        dims: graph.inputs.get(name)!.shape,
      }));
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
  const keep = new Set<Node>([...pinned, ...adds.keys(), ...folded, ...cones]);
  const info = (name: string, s: SymShape): ValueInfoProto => valueInfo(name, s, dimParam);
  const lowerer = new Lowerer(
    b,
    opset,
    shapes,
    direct,
    opts.dynamicBatch?.inputs.find((i) => graph.inputs.has(i) && !(i in initializers)),
    { adds, sums, folded },
    findGuards(graph, uses, keep, cones),
    info,
    { groups: merging.groups, merged: merging.merged, uses },
  );
  for (const n of graph.nodes) lowerer.lower(n);
  for (const [onnxName, n] of sources) {
    if (direct.get(n) !== onnxName) b.op('Identity', [lowerer.value(n)], {}, onnxName);
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
  let input = fedNames.map(inputInfo);
  let output = [
    ...sources.map(([name, n]) => info(name, shapes.get(n)!)),
    ...merging.merged.map((m) => info(m.output, [m.size])),
  ];
  const merged = merging.merged.length ? merging.merged : undefined;
  const graphOf = (input: ValueInfoProto[], output: ValueInfoProto[]): GraphProto => ({
    name: opts.graphName ?? 'saekit',
    node: b.nodes,
    initializer: b.initializers,
    input,
    output,
  });
  if (!pack) {
    return { graph: graphOf(input, output), opset, irVersion, inputs: fedNames, outputs, updates, merged };
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
  input = leftIn.map((name) => (name === layout.input ? info(name, [layout.inputSize]) : inputInfo(name)));
  output = [
    ...output.filter((v) => !packedNames.includes(v.name!)),
    info(PACKED_OUTPUT, [layout.outputSize]),
  ];
  const omit = <T>(r: Record<string, T>, keys: readonly string[]): Record<string, T> =>
    Object.fromEntries(Object.entries(r).filter(([k]) => !keys.includes(k)));
  return {
    graph: graphOf(input, output),
    opset,
    irVersion,
    inputs: leftIn,
    outputs: omit(outputs, pack.outputs),
    updates: omit(updates, pack.state),
    packed: layout,
    merged,
  };
}

/** Merge groups, the names of the merged state, and the names and layouts of the merged vectors. */
function planMerges(
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

/** The pack option, checked: fed state with an update, existing outputs. */
function checkPack(
  graph: Graph,
  pack: NonNullable<LowerOptions['pack']>,
  fed: readonly string[],
): NonNullable<LowerOptions['pack']> | undefined {
  for (const name of pack.state) {
    if (!fed.includes(name) || !(name in graph.updates))
      throw new Error(`onnx lowering: packed state "${name}" is not a fed input with an update`);
  }
  for (const key of pack.outputs) {
    if (!(key in graph.outputs)) throw new Error(`onnx lowering: packed output "${key}" is not an output`);
  }
  if (new Set(pack.state).size !== pack.state.length || new Set(pack.outputs).size !== pack.outputs.length)
    throw new Error('onnx lowering: a value is packed twice');
  return pack.state.length + pack.outputs.length ? pack : undefined;
}

function valueInfo(name: string, s: SymShape, dimParam: string): ValueInfoProto {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DataType.FLOAT,
        shape: {
          dim: s.map((d) =>
            isBatchDim(d)
              ? { dim_param: d.times === 1 ? dimParam : `${dimParam}*${d.times}` }
              : { dim_value: d },
          ),
        },
      },
    },
  };
}

function symbolicShapes(graph: Graph, dynamic: readonly string[]): Map<Node, SymShape> {
  if (dynamic.length === 0) return new Map(graph.nodes.map((n) => [n, n.shape]));
  const present = dynamic.filter((name) => graph.inputs.has(name));
  const sizes = new Set(present.map((name) => graph.inputs.get(name)!.shape[0]));
  if (sizes.size === 0)
    throw new DynamicBatchError(`dynamic batch: none of ${dynamic.join(', ')} is an input of the graph`);
  if (sizes.size > 1) {
    throw new DynamicBatchError(
      `dynamic batch: inputs ${present.join(', ')} disagree on the batch size (${[...sizes].join(' vs ')})`,
    );
  }
  const batch = [...sizes][0];
  if (!(batch >= 2)) {
    throw new DynamicBatchError(
      `dynamic batch: build the graph with a batch size of at least 2 (got ${batch}), so the batch is not mistaken for a broadcast 1`,
    );
  }
  return inferBatchShapes(graph, new Set(present), batch);
}

/** Emits the ONNX nodes of each core node, in topological order. */
class Lowerer {
  private readonly values = new Map<Node, string>();
  /** For comparison nodes: the bool tensor before the cast, so a `where` on it skips a test. */
  private readonly bools = new Map<Node, string>();
  private batchDim?: string;

  constructor(
    private readonly b: GraphBuilder,
    private readonly opset: number,
    private readonly shapes: Map<Node, SymShape>,
    private readonly direct: Map<Node, string>,
    private readonly batchSource: string | undefined,
    private readonly fused: {
      readonly adds: ReadonlyMap<Node, GemmAdd>;
      readonly sums: ReadonlyMap<Node, ColumnSum>;
      /** Nodes folded into the node that reads them, never lowered on their own. */
      readonly folded: ReadonlySet<Node>;
    },
    private readonly guards: Guards,
    private readonly info: (name: string, s: SymShape) => ValueInfoProto,
    private readonly merges: {
      readonly groups: readonly MergeGroup[];
      readonly merged: readonly MergedState[];
      readonly uses: ReadonlyMap<Node, number>;
    },
  ) {
    this.deferred = new Set([
      ...fused.folded,
      ...guards.moved,
      ...merges.groups.flatMap((g) => g.families.flatMap((f) => f.nodes)),
    ]);
    this.mergeAt = new Map(merges.groups.map((g) => [g.last, g]));
  }

  /** Merge groups by the node after which they are emitted. */
  private readonly mergeAt: ReadonlyMap<Node, MergeGroup>;

  /** Nodes emitted by the node that reads them: folded ones, and a guard's updates. */
  private readonly deferred: ReadonlySet<Node>;
  private readonly ones = new Map<number, string>();
  /** Guard wheres already seen, per group; the group's If is emitted at its last where. */
  private readonly guardsSeen = new Map<GuardGroup, number>();

  value(n: Node): string {
    const v = this.values.get(n);
    if (v === undefined) throw new Error(`onnx lowering: ${n} used before it was lowered`);
    return v;
  }

  lower(n: Node): void {
    const merge = this.mergeAt.get(n);
    if (merge) this.emitMerged(merge);
    if (this.deferred.has(n)) return;
    const group = this.guards.groups.get(n);
    if (!group) {
      this.values.set(n, this.emit(n));
      return;
    }
    const seen = (this.guardsSeen.get(group) ?? 0) + 1;
    this.guardsSeen.set(group, seen);
    if (seen === group.wheres.length) this.emitGuard(group);
  }

  /**
   * One If for a group of guard wheres: then-branch the updated values, else-branch the old ones.
   * The If comes after every where of the group in graph order, so every value a branch reads
   * from the main graph is computed by then.
   */
  private emitGuard(group: GuardGroup): void {
    const b = this.b;
    const cond = group.cond;
    const flag =
      this.bools.get(cond) ?? b.op('Not', [b.op('Equal', [this.value(cond), b.floatConst([0], [])])]);
    const branch = (pick: 1 | 2, name: string): GraphProto => {
      const nodes: NodeProto[] = [];
      const outs = b.into(nodes, () =>
        group.wheres.map((w) => {
          const v = w.inputs[pick];
          // A moved update is computed right here; anything else is passed through.
          const out =
            pick === 1 && this.guards.moved.has(v) ? this.emit(v) : b.op('Identity', [this.value(v)]);
          return this.info(out, this.shapes.get(w)!);
        }),
      );
      return { name, node: nodes, output: outs };
    };
    const thenBranch = branch(1, 'guard_then');
    const elseBranch = branch(2, 'guard_else');
    const names = group.wheres.map((w) => this.direct.get(w) ?? b.fresh('where'));
    b.rawNode('If', [flag], names, [
      { name: 'then_branch', type: AttributeType.GRAPH, g: thenBranch },
      { name: 'else_branch', type: AttributeType.GRAPH, g: elseBranch },
    ]);
    for (const [i, w] of group.wheres.entries()) this.values.set(w, names[i]);
  }

  /**
   * A merge group (lower/merge.ts) as one op per cone node over the values of all its families
   * laid end to end: merged state vectors for updated state, concatenations for other tensor
   * leaves, rank-0 scalars. A guard where on top becomes an If, as for unmerged guards.
   */
  private emitMerged(group: MergeGroup): void {
    const b = this.b;
    const fams = group.families;
    const f0 = fams[0];
    const flat = (v: string, n: Node) =>
      n.rank === 1 ? v : b.op('Reshape', [v, b.int64Const([-1], 'shape')]);
    const mergedOf = (leaf: Node) =>
      leaf.op.kind === 'input'
        ? this.merges.merged.find((m) => m.entries[0].name === (leaf.op as { name: string }).name)
        : undefined;
    const leafValues = f0.leaves.map((l0, j) => {
      const m = mergedOf(l0);
      if (m) return m.input;
      return b.op(
        'Concat',
        fams.map((f) => flat(this.value(f.leaves[j]), f.leaves[j])),
        { axis: 0 },
      );
    });
    const scalars = new Map<Node, string>();
    const scalar = (n: Node): string => {
      let v = scalars.get(n);
      if (v === undefined) {
        v = n.rank === 0 ? this.value(n) : b.op('Reshape', [this.value(n), b.int64Const([], 'scalar_shape')]);
        scalars.set(n, v);
      }
      return v;
    };
    const flag = (c: Node): string => {
      const bool = this.bools.get(c);
      if (bool === undefined) return b.op('Not', [b.op('Equal', [scalar(c), b.floatConst([0], [])])]);
      return c.rank === 0 ? bool : b.op('Reshape', [bool, b.int64Const([], 'scalar_shape')]);
    };
    const cone = new Set(f0.nodes);
    const values = new Map<Node, string>();
    const operand = (n: Node): string =>
      cone.has(n) ? values.get(n)! : n.size === 1 ? scalar(n) : leafValues[f0.leaves.indexOf(n)];
    const outName = new Map<Node, string>(
      f0.roots.map((r) => [r.node, this.merges.merged.find((m) => m.entries[0].name === r.state)!.output]),
    );
    const emitOne = (n: Node, out?: string): string => {
      const op = n.op;
      const x = n.inputs.map(operand);
      if (isUnaryOp(op)) return b.op(UNARY_OP[op.kind], x, {}, out);
      if (isBinaryOp(op) && !isCompare(op.kind)) return this.arithmetic(n, x, out);
      if (op.kind === 'where') return b.op('Where', [flag(n.inputs[0]), x[1], x[2]], {}, out);
      throw new Error(`onnx lowering: ${n} cannot be merged`);
    };
    // A guard: where(c, a, old) on top, with a scalar c and an a read by nothing else.
    const guardOf = (n: Node): Node | undefined => {
      if (n.op.kind !== 'where' || n.inputs[0].size !== 1 || !outName.has(n)) return undefined;
      const a = n.inputs[1];
      return cone.has(a) && this.merges.uses.get(a) === 1 && !outName.has(a) ? a : undefined;
    };
    const inBranch = new Set(f0.nodes.map(guardOf).filter((a): a is Node => a !== undefined));
    for (const n of f0.nodes) {
      if (inBranch.has(n)) continue;
      const a = guardOf(n);
      if (!a) {
        values.set(n, emitOne(n, outName.get(n)));
        continue;
      }
      const shape = [fams.reduce((t, f) => t + f.size, 0)];
      const thenNodes: NodeProto[] = [];
      const thenOut = b.into(thenNodes, () => emitOne(a));
      const elseNodes: NodeProto[] = [];
      const elseOut = b.into(elseNodes, () => b.op('Identity', [operand(n.inputs[2])]));
      const out = outName.get(n)!;
      b.rawNode(
        'If',
        [flag(n.inputs[0])],
        [out],
        [
          {
            name: 'then_branch',
            type: AttributeType.GRAPH,
            g: { name: 'merged_then', node: thenNodes, output: [this.info(thenOut, shape)] },
          },
          {
            name: 'else_branch',
            type: AttributeType.GRAPH,
            g: { name: 'merged_else', node: elseNodes, output: [this.info(elseOut, shape)] },
          },
        ],
      );
      values.set(n, out);
    }
  }

  /**
   * add, sub, mul, div, maximum. div(1, x) is Reciprocal(x) (the same value): in ONNX Runtime,
   * Mul(a, Div(1, x)) took 1.3× as long as Mul(a, Reciprocal(x)) over 101,200 values (measured).
   */
  private arithmetic(n: Node, x: readonly string[], out: string | undefined): string {
    const kind = n.op.kind as Exclude<BinaryKind, CompareKind>;
    const [num, den] = n.inputs;
    const one = num.op.kind === 'const' && num.op.value.every((v) => v === 1);
    if (kind === 'div' && one && den.rank === n.rank && den.shape.every((d, i) => d === n.shape[i]))
      return this.b.op('Reciprocal', [x[1]], {}, out);
    return this.b.op(BINARY_OP[kind], x, {}, out);
  }

  private emit(n: Node): string {
    const b = this.b;
    const op = n.op;
    const fused = this.fused.adds.get(n);
    const colSum = this.fused.sums.get(n);
    // A Gemm-with-bias add reads its deferred matmul's operands, not the matmul itself; a
    // weighted column sum reads the operands of its deferred mul.
    const x = fused || colSum?.weights ? [] : n.inputs.map((i) => this.value(i));
    const out = this.direct.get(n);
    if (isUnaryOp(op)) return b.op(UNARY_OP[op.kind], x, {}, out);
    if (isBinaryOp(op)) {
      if (op.kind === 'add' && fused) {
        // add(matmul, row bias): one Gemm with the bias as C.
        const mm = fused.mm;
        if (mm.op.kind !== 'matmul') throw new Error('unreachable');
        const attrs: Record<string, number> = {};
        if (mm.op.transA) attrs.transA = 1;
        if (mm.op.transB) attrs.transB = 1;
        return b.op('Gemm', [...mm.inputs.map((i) => this.value(i)), this.value(fused.bias)], attrs, out);
      }
      if (isCompare(op.kind)) {
        const flag = b.op(COMPARE_OP[op.kind], x);
        this.bools.set(n, flag);
        return b.op('Cast', [flag], { to: DataType.FLOAT }, out);
      }
      return this.arithmetic(n, x, out);
    }
    switch (op.kind) {
      case 'input':
        return op.name;
      case 'const':
        return b.floatConst(op.value, n.shape);
      case 'where': {
        const cond = n.inputs[0];
        const flag = this.bools.get(cond) ?? b.op('Not', [b.op('Equal', [x[0], b.floatConst([0], [])])]);
        return b.op('Where', [flag, x[1], x[2]], {}, out);
      }
      case 'matmul': {
        const attrs: Record<string, number> = {};
        if (op.transA) attrs.transA = 1;
        if (op.transB) attrs.transB = 1;
        return b.op('Gemm', x, attrs, out);
      }
      case 'sum':
        if (colSum) return this.columnSum(n, colSum, out);
        if (op.axes.length === 0) return b.op('Identity', x, {}, out);
        return b.op(
          'ReduceSum',
          [x[0], b.int64Const(op.axes, 'axes')],
          { keepdims: op.keepDims ? 1 : 0 },
          out,
        );
      case 'reshape':
        return b.op('Reshape', [x[0], this.reshapeTarget(n)], {}, out);
      case 'transpose':
        return b.op('Transpose', x, { perm: op.perm }, out);
      case 'broadcastTo':
        return b.op('Expand', [x[0], this.expandTarget(n)], {}, out);
      case 'kthLargest': {
        // The k largest of each row (sorted), then their minimum: the k-th largest, kept as [..., 1].
        const [top] = b.node(
          'TopK',
          [x[0], b.int64Const([op.k], 'k')],
          [b.fresh('topk'), b.fresh('topk_indices')],
          {
            axis: -1,
            largest: 1,
            sorted: 1,
          },
        );
        if (this.opset >= 18)
          return b.op('ReduceMin', [top, b.int64Const([-1], 'axes')], { keepdims: 1 }, out);
        return b.op('ReduceMin', [top], { axes: [-1], keepdims: 1 }, out);
      }
      default: {
        const never: never = op;
        throw new Error(`onnx lowering: no rule for ${(never as { kind: string }).kind}`);
      }
    }
  }

  /** A sum over the rows of a matrix as one matrix-vector Gemm (see lower/fusions.ts). */
  private columnSum(n: Node, c: ColumnSum, out: string | undefined): string {
    const b = this.b;
    const m = this.value(c.matrix);
    const keepDims = n.rank === 2; // [1, cols], as Gemm gives it; else [cols]
    const into = keepDims ? out : undefined;
    const row = c.weights
      ? b.op('Gemm', [this.value(c.weights), m], { transA: 1 }, into)
      : b.op('Gemm', [this.onesRow(c.matrix.shape[0]), m], {}, into);
    return keepDims ? row : b.op('Reshape', [row, b.int64Const([-1], 'shape')], {}, out);
  }

  /** A [1, n] initializer of ones, one per n. */
  private onesRow(n: number): string {
    let name = this.ones.get(n);
    if (!name) {
      name = this.b.floatConst(new Float32Array(n).fill(1), [1, n], 'ones');
      this.ones.set(n, name);
    }
    return name;
  }

  /** Reshape's int64 shape: fixed sizes, with -1 standing for the one axis that holds the batch. */
  private reshapeTarget(n: Node): string {
    const s = this.shapes.get(n)!;
    const dims = s.map((d) => (isBatchDim(d) ? -1 : d));
    if (dims.filter((d) => d === -1).length > 1) return this.runtimeShape(s);
    if (dims.includes(0)) {
      // A literal 0 would mean "copy this axis" in Reshape; with no batch axis the shape is fixed.
      if (dims.includes(-1)) return this.runtimeShape(s);
      return this.b.int64Const(n.shape, 'shape');
    }
    return this.b.int64Const(dims, 'shape');
  }

  /**
   * Expand's int64 shape. Expand broadcasts both ways, so an axis where the operand already has the
   * batch can be written as 1; only an axis stretched from 1 to the batch needs B at run time.
   */
  private expandTarget(n: Node): string {
    const s = this.shapes.get(n)!;
    const xs = this.shapes.get(n.inputs[0])!;
    const lead = s.length - xs.length;
    const dims = s.map((d, i) => (isBatchDim(d) && i >= lead && isBatchDim(xs[i - lead]) ? 1 : d));
    if (dims.every((d) => !isBatchDim(d))) return this.b.int64Const(dims as number[], 'shape');
    return this.runtimeShape(dims);
  }

  /** A 1-D int64 tensor of a symbolic shape, computed from the batch input's Shape at run time. */
  private runtimeShape(s: SymShape): string {
    const b = this.b;
    const pieces: string[] = [];
    let fixed: number[] = [];
    for (const d of s) {
      if (!isBatchDim(d)) {
        fixed.push(d);
        continue;
      }
      if (fixed.length) pieces.push(b.int64Const(fixed, 'shape'));
      fixed = [];
      const bd = this.batchSize();
      pieces.push(d.times === 1 ? bd : b.op('Mul', [bd, b.int64Const([d.times], 'times')]));
    }
    if (fixed.length) pieces.push(b.int64Const(fixed, 'shape'));
    if (pieces.length === 1) return pieces[0];
    return b.op('Concat', pieces, { axis: 0 }, b.fresh('runtime_shape'));
  }

  /** B as a 1-D int64 tensor of one element: Shape(batch input)[0:1], emitted once. */
  private batchSize(): string {
    if (this.batchDim) return this.batchDim;
    if (!this.batchSource) throw new DynamicBatchError('dynamic batch: no fed input carries the batch size');
    this.batchDim = this.b.op('Shape', [this.batchSource], { start: 0, end: 1 }, this.b.fresh('batch_size'));
    return this.batchDim;
  }
}
