import { floatTensor, int64Tensor } from '../proto/tensor.js';
import {
  type AttributeProto,
  AttributeType,
  type GraphProto,
  type NodeProto,
  type TensorProto,
} from '../proto/types.js';

/** An attribute value: integers become INT(S), other numbers FLOAT(S), strings STRING. */
export type AttrValue = number | readonly number[] | string | { readonly float: number };

function attribute(name: string, v: AttrValue): AttributeProto {
  if (typeof v === 'string') return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === 'number') {
    if (!Number.isInteger(v))
      throw new TypeError(`attribute ${name}: ${v} is not an integer (use { float })`);
    return { name, type: AttributeType.INT, i: v };
  }
  if ('float' in v) return { name, type: AttributeType.FLOAT, f: v.float };
  return { name, type: AttributeType.INTS, ints: [...v] };
}

/**
 * Accumulates the nodes and initializers of one ONNX graph and hands out value names that never
 * collide (graph inputs and outputs are reserved first).
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** Where `node` appends: the main graph's list, or a subgraph's while `into` runs. */
  private target: NodeProto[] = this.nodes;
  private nodeCount = 0;
  private readonly used = new Set<string>();
  private readonly int64Cache = new Map<string, string>();
  private readonly floatCache = new Map<string, string>();

  /** Marks a name as taken (a graph input or a chosen output name). */
  reserve(name: string): string {
    if (this.used.has(name)) throw new Error(`onnx lowering: value name "${name}" is used twice`);
    this.used.add(name);
    return name;
  }

  isUsed(name: string): boolean {
    return this.used.has(name);
  }

  /** A new unique value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    for (let i = 1; this.used.has(name); i++) name = `${hint}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Appends a node; returns its first output's name (a fresh one unless `output` is given). */
  op(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    output?: string,
  ): string {
    return this.node(opType, inputs, [output ?? this.fresh(opType.toLowerCase())], attrs)[0];
  }

  /** Appends a node with these (already named) outputs; returns them. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
  ): string[] {
    const node: NodeProto = {
      op_type: opType,
      input: [...inputs],
      output: [...outputs],
      name: `${opType}_${this.nodeCount++}`,
    };
    const list = Object.entries(attrs).map(([k, v]) => attribute(k, v));
    if (list.length) node.attribute = list;
    this.target.push(node);
    return node.output!;
  }

  /**
   * Runs `emit` with every node it appends going to `nodes` (the body of a subgraph) instead of
   * the main graph. Names stay unique across both, as ONNX requires of a subgraph; initializers
   * still go to the main graph, which a subgraph may read.
   */
  into<T>(nodes: NodeProto[], emit: () => T): T {
    const outer = this.target;
    this.target = nodes;
    try {
      return emit();
    } finally {
      this.target = outer;
    }
  }

  /** Appends an If node on `cond` with these two branches (subgraphs built with `into`). */
  ifNode(cond: string, outputs: readonly string[], thenBranch: GraphProto, elseBranch: GraphProto): void {
    this.target.push({
      op_type: 'If',
      input: [cond],
      output: [...outputs],
      name: `If_${this.nodeCount++}`,
      attribute: [
        { name: 'then_branch', type: AttributeType.GRAPH, g: thenBranch },
        { name: 'else_branch', type: AttributeType.GRAPH, g: elseBranch },
      ],
    });
  }

  /** A float32 initializer; small ones with equal values are shared. */
  floatConst(values: ArrayLike<number>, dims: readonly number[], hint = 'const'): string {
    const key =
      values.length <= 16
        ? `${dims.join(',')}|${Array.from(values, (v) => (Object.is(v, -0) ? '-0' : String(Math.fround(v)))).join(',')}`
        : undefined;
    const hit = key && this.floatCache.get(key);
    if (hit) return hit;
    const name = this.fresh(hint);
    this.initializers.push(floatTensor(name, dims, values));
    if (key) this.floatCache.set(key, name);
    return name;
  }

  /** A 1-D int64 initializer (shapes, axes, K); equal ones are shared. */
  int64Const(values: readonly number[], hint = 'i64'): string {
    const key = values.join(',');
    const hit = this.int64Cache.get(key);
    if (hit) return hit;
    const name = this.fresh(hint);
    this.initializers.push(int64Tensor(name, [values.length], values));
    this.int64Cache.set(key, name);
    return name;
  }

  /** A named float32 initializer with exactly this name (parameters of an exported model). */
  namedInitializer(name: string, dims: readonly number[], values: ArrayLike<number>): string {
    this.initializers.push(floatTensor(name, dims, values));
    return name;
  }
}
