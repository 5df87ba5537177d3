import { add, binaryVjps } from '../ops/binary.js';
import { cooDotVjp, cooMatmulVjp } from '../ops/coo.js';
import { constant } from '../ops/leaves.js';
import { matmulVjp } from '../ops/matmul.js';
import { broadcastTo, shapeVjps, zeros } from '../ops/shape.js';
import { gatherLastVjp, scatterAddLastVjp, topkIndicesVjp } from '../ops/sparse.js';
import { sparseDotVjp, sparseMatmulVjp, sparseOuterVjp } from '../ops/sparse-products.js';
import { kthLargestVjp } from '../ops/topk.js';
import { unaryVjps } from '../ops/unary.js';
import { whereVjp } from '../ops/where.js';
import type { Node, OpKind } from './node.js';
import { fmt, ShapeError, sameShape } from './shape.js';
import { topoSort } from './topo.js';
import type { VjpRule } from './vjp.js';

/** One VJP rule per primitive; the type makes a missing rule a compile error. */
const VJPS: Record<Exclude<OpKind, 'input' | 'const'>, VjpRule> = {
  ...unaryVjps,
  ...binaryVjps,
  ...shapeVjps,
  where: whereVjp,
  matmul: matmulVjp,
  kthLargest: kthLargestVjp,
  topkIndices: topkIndicesVjp,
  gatherLast: gatherLastVjp,
  scatterAddLast: scatterAddLastVjp,
  sparseMatmul: sparseMatmulVjp,
  sparseDot: sparseDotVjp,
  sparseOuter: sparseOuterVjp,
  cooMatmul: cooMatmulVjp,
  cooDot: cooDotVjp,
};

/**
 * Reverse mode: the gradients of `y` with respect to each of `xs`, as new nodes of the same graph.
 * `y` must be a scalar unless a cotangent `seed` of y's shape is given. An x that `y` does not
 * depend on gets zeros.
 */
export function grad(y: Node, xs: readonly Node[], seed?: Node): Node[] {
  if (!seed && y.size !== 1)
    throw new ShapeError(`grad: y must be a scalar (got ${fmt(y.shape)}); pass a seed of its shape`);
  if (seed && !sameShape(seed.shape, y.shape)) {
    throw new ShapeError(`grad: seed ${fmt(seed.shape)} does not match y ${fmt(y.shape)}`);
  }
  const order = topoSort([y]);
  // Only nodes on a path to some x need a cotangent.
  const wanted = new Set(xs);
  const needs = new Set<Node>();
  for (const n of order) if (wanted.has(n) || n.inputs.some((i) => needs.has(i))) needs.add(n);

  const cot = new Map<Node, Node>();
  cot.set(y, seed ?? broadcastTo(constant(1), y.shape));
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    const g = cot.get(n);
    if (!g || n.inputs.length === 0 || !needs.has(n)) continue;
    const rule = VJPS[n.op.kind as Exclude<OpKind, 'input' | 'const'>];
    const gs = rule(g, n);
    n.inputs.forEach((inp, j) => {
      const gi = gs[j];
      if (!gi || !needs.has(inp)) return;
      const prev = cot.get(inp);
      cot.set(inp, prev ? add(prev, gi) : gi);
    });
  }
  return xs.map((x) => cot.get(x) ?? zeros(x.shape));
}
