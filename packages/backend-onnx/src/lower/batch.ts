import {
  formatShape,
  type Graph,
  hasShapeRule,
  inferShape,
  type Node,
  type Shape,
  ShapeError,
} from '@saekit/core';
import { DataType, type ValueInfoProto } from '../proto/types.js';

/**
 * Shapes with a symbolic batch: a dimension is a fixed size, or `times` × the batch size B (B is
 * only known when the model runs). Lowering with a dynamic batch finds these for every node, so
 * the shapes an op needs at run time (Reshape targets, Expand shapes) are written in terms of B.
 */
export type SymDim = number | { readonly times: number };
export type SymShape = readonly SymDim[];

export const isBatchDim = (d: SymDim): d is { readonly times: number } => typeof d !== 'number';

export function formatSymShape(s: SymShape): string {
  return `[${s.map((d) => (isBatchDim(d) ? (d.times === 1 ? 'batch' : `${d.times}*batch`) : d)).join(',')}]`;
}

/** Raised when a graph cannot run at another batch size than the one it was built with. */
export class DynamicBatchError extends Error {
  override name = 'DynamicBatchError';
}

const prod = (ds: readonly number[]): number => ds.reduce((a, b) => a * b, 1);

/**
 * The symbolic shape of every node when the leading dimension of the `dynamic` inputs is B.
 * Each node's shape is worked out again at a second batch size, larger than every size in the
 * graph, by core's shape rules (the ones its ops were built with); a dimension that changed is a
 * multiple of B. Throws DynamicBatchError, naming the node, where the graph mixes B with a fixed
 * size (for example a constant built for that batch size).
 */
export function batchShapes(graph: Graph, dynamic: readonly string[]): Map<Node, SymShape> {
  if (dynamic.length === 0) return new Map(graph.nodes.map((n) => [n, n.shape]));
  const fed = new Set(dynamic.filter((name) => graph.inputs.has(name)));
  const batch = buildBatch(graph, dynamic, [...fed]);
  const other = 1 + graph.nodes.reduce((m, n) => Math.max(m, ...n.shape), batch);
  const at = new Map<Node, Shape>();
  const sym = new Map<Node, SymShape>();
  for (const n of graph.nodes) {
    const s = shapeAt(
      n,
      (i) => at.get(i)!,
      (i) => sym.get(i)!,
      { fed, batch, other },
    );
    at.set(n, s);
    sym.set(n, classify(n, s, batch, other));
  }
  return sym;
}

/** The batch size the graph was built with: the leading size of its dynamic inputs, >= 2. */
function buildBatch(graph: Graph, dynamic: readonly string[], present: readonly string[]): number {
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
  return batch;
}

interface Batches {
  readonly fed: ReadonlySet<string>;
  /** The batch size the graph was built with. */
  readonly batch: number;
  /** The batch size the shapes are worked out again at. */
  readonly other: number;
}

/** The node's shape at batch size `other`, from its operands' shapes there. */
function shapeAt(n: Node, at: (n: Node) => Shape, sym: (n: Node) => SymShape, bs: Batches): Shape {
  const op = n.op;
  if (hasShapeRule(op)) {
    try {
      return inferShape(op, n.inputs.map(at));
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      throw new DynamicBatchError(
        `dynamic batch: ${n} combines ${n.inputs.map((i) => formatSymShape(sym(i))).join(' and ')}: a fixed size meets the batch dimension, so the graph only works at the batch size it was built with`,
      );
    }
  }
  switch (op.kind) {
    case 'input':
      if (!bs.fed.has(op.name)) return n.shape;
      if (n.rank < 1 || n.shape[0] !== bs.batch) {
        throw new DynamicBatchError(
          `dynamic batch: input "${op.name}" ${formatShape(n.shape)} does not lead with the batch size ${bs.batch}`,
        );
      }
      return [bs.other, ...n.shape.slice(1)];
    case 'const':
      return n.shape;
    case 'broadcastTo':
      return broadcastAt(n, at(n.inputs[0]), bs);
    case 'reshape':
      return reshapeAt(n, sym(n.inputs[0]), bs);
  }
}

/** A dimension that changed with the batch must be the same multiple of it at both sizes. */
function classify(n: Node, s: Shape, batch: number, other: number): SymShape {
  if (s.length !== n.rank) throw new Error(`onnx lowering: ${n} changes rank with the batch size`);
  return n.shape.map((d, i) => {
    if (s[i] === d) return d;
    const times = d / batch;
    if (Number.isInteger(times) && s[i] === times * other) return { times };
    throw new Error(
      `onnx lowering: ${n} has ${formatShape(s)} at batch ${other}, not a multiple of the batch`,
    );
  });
}

/**
 * broadcastTo's target at the other batch size: an axis the operand already has keeps the
 * operand's size; an axis it stretches from 1 to exactly the build-time batch size is taken to
 * be B.
 */
function broadcastAt(n: Node, x: Shape, bs: Batches): Shape {
  const x0 = n.inputs[0].shape;
  const lead = n.rank - x0.length;
  return n.shape.map((t, i) => {
    if (i >= lead && x0[i - lead] === t) return x[i - lead];
    return t === bs.batch ? bs.other : t;
  });
}

/**
 * A reshape's target at the other batch size, when its operand holds B in one axis: the output
 * axis that starts at the same flat offset and whose size is a multiple of B gets it. Row-major
 * order makes that the only reading that holds at every B.
 */
function reshapeAt(n: Node, x: SymShape, bs: Batches): Shape {
  const symAxes = x.flatMap((d, i) => (isBatchDim(d) ? [i] : []));
  if (symAxes.length === 0) return n.shape;
  if (symAxes.length > 1) {
    throw new DynamicBatchError(
      `dynamic batch: ${n} reshapes ${formatSymShape(x)}, which has the batch in more than one axis`,
    );
  }
  const s = symAxes[0];
  const times = (x[s] as { times: number }).times;
  const before = prod(x.slice(0, s) as number[]);
  const after = prod(x.slice(s + 1) as number[]);
  const t = n.shape;
  for (let j = 0; j < t.length; j++) {
    if (prod(t.slice(0, j)) !== before) continue;
    const rest = prod(t.slice(j + 1));
    if (rest === 0 || (times * after) % rest !== 0) continue;
    const c = (times * after) / rest;
    if (t[j] !== c * bs.batch) continue;
    return t.map((d, i) => (i === j ? c * bs.other : d));
  }
  throw new DynamicBatchError(
    `dynamic batch: ${n} reshapes ${formatSymShape(x)} to ${formatShape(t)}, which does not keep the batch in one axis`,
  );
}

/** A float32 value's ONNX type; a batch dimension is written as the symbolic `dimParam`. */
export function valueInfo(name: string, s: SymShape, dimParam: string): ValueInfoProto {
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
