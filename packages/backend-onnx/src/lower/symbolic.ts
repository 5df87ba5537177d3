import { formatShape, type Graph, isBinaryOp, isUnaryOp, type Node } from '@saekit/core';

/**
 * Shapes with a symbolic batch: a dimension is a fixed size, or `times` × the batch size B (B is
 * only known when the model runs). Lowering with a dynamic batch infers these for every node, so
 * the shapes an op needs at run time (Reshape targets, Expand shapes) are written in terms of B.
 */
export type SymDim = number | { readonly times: number };
export type SymShape = readonly SymDim[];

export const isBatchDim = (d: SymDim): d is { readonly times: number } => typeof d !== 'number';

/** The dimension's size when B is `batch`. */
export const dimAt = (d: SymDim, batch: number): number => (isBatchDim(d) ? d.times * batch : d);

export function formatSymShape(s: SymShape): string {
  return `[${s.map((d) => (isBatchDim(d) ? (d.times === 1 ? 'batch' : `${d.times}*batch`) : d)).join(',')}]`;
}

/** Raised when a graph cannot run at another batch size than the one it was built with. */
export class DynamicBatchError extends Error {
  override name = 'DynamicBatchError';
}

const prod = (ds: readonly number[]): number => ds.reduce((a, b) => a * b, 1);

/**
 * Infers the symbolic shape of every node. `dynamic` inputs have B as their leading dimension;
 * `batch` is the size B had when the graph was built (it must be >= 2 so that a dimension of B
 * is told apart from a broadcast 1). Throws DynamicBatchError, naming the node, where the graph
 * mixes B with a fixed size (for example a constant built for that batch size).
 */
export function inferBatchShapes(
  graph: Graph,
  dynamic: ReadonlySet<string>,
  batch: number,
): Map<Node, SymShape> {
  const out = new Map<Node, SymShape>();
  const shapeOf = (n: Node): SymShape => out.get(n)!;
  for (const n of graph.nodes) {
    const s = inferNode(n, shapeOf, dynamic, batch);
    // The symbolic shape at the build-time batch must be the graph's own shape.
    const concrete = s.map((d) => dimAt(d, batch));
    if (concrete.length !== n.shape.length || concrete.some((d, i) => d !== n.shape[i])) {
      throw new Error(
        `onnx lowering: batch shape ${formatSymShape(s)} of ${n} does not match ${formatShape(n.shape)}`,
      );
    }
    out.set(n, s);
  }
  return out;
}

function inferNode(
  n: Node,
  shapeOf: (n: Node) => SymShape,
  dynamic: ReadonlySet<string>,
  batch: number,
): SymShape {
  const op = n.op;
  const ins = n.inputs.map(shapeOf);
  if (isUnaryOp(op)) return ins[0];
  if (isBinaryOp(op) || op.kind === 'where') return broadcast(n, ins);
  switch (op.kind) {
    case 'input':
      if (!dynamic.has(op.name)) return n.shape;
      if (n.rank < 1 || n.shape[0] !== batch) {
        throw new DynamicBatchError(
          `dynamic batch: input "${op.name}" ${formatShape(n.shape)} does not lead with the batch size ${batch}`,
        );
      }
      return [{ times: 1 }, ...n.shape.slice(1)];
    case 'const':
      return n.shape;
    case 'broadcastTo':
      return broadcastTarget(n, ins[0], batch);
    case 'matmul': {
      const [a, b] = ins;
      const [m, ka] = op.transA ? [a[1], a[0]] : [a[0], a[1]];
      const [kb, nn] = op.transB ? [b[1], b[0]] : [b[0], b[1]];
      if (isBatchDim(ka) !== isBatchDim(kb) || (isBatchDim(ka) && isBatchDim(kb) && ka.times !== kb.times)) {
        throw new DynamicBatchError(
          `dynamic batch: ${n} contracts ${formatSymShape(a)} with ${formatSymShape(b)}: the inner dimension is the batch on one side only`,
        );
      }
      return [m, nn];
    }
    case 'sum': {
      const x = ins[0];
      return op.keepDims
        ? x.map((d, i) => (op.axes.includes(i) ? 1 : d))
        : x.filter((_, i) => !op.axes.includes(i));
    }
    case 'transpose':
      return op.perm.map((a) => ins[0][a]);
    case 'kthLargest':
      return [...ins[0].slice(0, -1), 1];
    case 'reshape':
      return reshapeTarget(n, ins[0], batch);
    default: {
      const never: never = op;
      throw new Error(`onnx lowering: no shape rule for ${(never as { kind: string }).kind}`);
    }
  }
}

/** NumPy broadcasting where B stretches only against 1. */
function broadcast(n: Node, shapes: readonly SymShape[]): SymShape {
  const rank = n.rank;
  const out: SymDim[] = [];
  for (let i = 0; i < rank; i++) {
    let sym: { times: number } | undefined;
    let fixed = 1;
    for (const s of shapes) {
      const d = s[i - (rank - s.length)] ?? 1;
      if (isBatchDim(d)) {
        if (sym && sym.times !== d.times) throw mixError(n, shapes, i);
        sym = d;
      } else if (d !== 1) fixed = d;
    }
    if (sym && fixed !== 1) throw mixError(n, shapes, i);
    out.push(sym ?? fixed);
  }
  return out;
}

function mixError(n: Node, shapes: readonly SymShape[], axis: number): DynamicBatchError {
  return new DynamicBatchError(
    `dynamic batch: ${n} combines ${shapes.map(formatSymShape).join(' and ')} on axis ${axis}: a fixed size meets the batch dimension, so the graph only works at the batch size it was built with`,
  );
}

/**
 * The shape broadcastTo produces: axes where the operand has B keep it; an axis the operand
 * stretches from 1 to exactly the build-time batch size is taken to be B.
 */
function broadcastTarget(n: Node, x: SymShape, batch: number): SymShape {
  const lead = n.rank - x.length;
  return n.shape.map((t, i) => {
    const d = i < lead ? 1 : x[i - lead];
    if (isBatchDim(d)) return d;
    if (d === t) return t;
    return t === batch ? { times: 1 } : t;
  });
}

/**
 * The target of a reshape whose operand holds B in one axis: the output axis that starts at the
 * same flat offset and whose size is a multiple of B gets it. Row-major order makes that the only
 * reading that holds at every B.
 */
function reshapeTarget(n: Node, x: SymShape, batch: number): SymShape {
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
    if (t[j] !== c * batch) continue;
    return t.map((d, i) => (i === j ? { times: c } : d));
  }
  throw new DynamicBatchError(
    `dynamic batch: ${n} reshapes ${formatSymShape(x)} to ${formatShape(t)}, which does not keep the batch in one axis`,
  );
}
