import { consumersOf, type Graph, type Node, pinnedNodes, useCounts } from '@saekit/core';
import type { FusedKernel } from './fuse.js';
import { maskedMatmulFits } from './kernels/masked-matmul.js';
import { maskedPairFits } from './kernels/masked-pair.js';
import { sameShapeAs } from './shape-util.js';
import type { Mask, Step } from './steps.js';

/** A matmul whose entries matter only where `p > threshold` (see kernels/masked-matmul.ts). */
export type MaskedProduct = Mask;

/** Ops that keep "the consumer multiplies this entry by 0 in the end" true for a finite operand. */
const PASS_THROUGH = new Set(['add', 'sub', 'mul', 'neg']);

/**
 * Finds products out = a·bᵀ that reach a kernel root `mul(X, greater(p, c))` (ReLU's derivative is
 * exactly this: g · (x > 0)) only through X, along add/sub/mul/neg of entries of the same shape,
 * and nowhere else. Where p ≤ c the root multiplies by 0, and a finite value along that path stays
 * finite when the product's entry is replaced by 0, so the root's result is the same 0 whichever
 * value the entry had: the entry need not be computed.
 */
export function planMaskedProducts(
  graph: Graph,
  order: readonly Node[],
  fused: ReadonlySet<Node>,
  kernels: ReadonlyMap<Node, FusedKernel>,
): Map<Node, MaskedProduct> {
  const uses = useCounts(graph);
  const pinned = pinnedNodes(graph);
  const at = new Map<Node, number>(order.map((n, i) => [n, i]));
  const found = new Map<Node, MaskedProduct>();

  for (const root of kernels.keys()) {
    if (root.op.kind !== 'mul') continue;
    for (const side of [0, 1]) {
      const cmp = root.inputs[side];
      const x = root.inputs[1 - side];
      const c = cmp.inputs[1];
      if (cmp.op.kind !== 'greater' || c.op.kind !== 'const' || c.size !== 1) continue;
      const p = cmp.inputs[0];
      if (!sameShapeAs(p, root)) continue;
      for (const m of productsUnder(x, root, fused)) {
        const op = m.op;
        if (
          op.kind === 'matmul' &&
          !op.transA &&
          op.transB &&
          uses.get(m) === 1 &&
          !pinned.has(m) &&
          (p.op.kind === 'input' || p.op.kind === 'const' || at.get(p)! < at.get(m)!) && // p is ready when the product runs
          maskedMatmulFits(m.shape[1], m.inputs[0].shape[1])
        )
          found.set(m, { p, threshold: c.op.value[0] });
      }
    }
  }
  return found;
}

/** Matmul leaves reached from `x` through same-shape pass-through ops fused into the root's kernel. */
function productsUnder(x: Node, root: Node, fused: ReadonlySet<Node>): Node[] {
  if (!sameShapeAs(x, root)) return [];
  if (x.op.kind === 'matmul') return [x];
  if (!fused.has(x) || !PASS_THROUGH.has(x.op.kind)) return [];
  return x.inputs.flatMap((i) => productsUnder(i, root, fused));
}

/**
 * Pairs each masked product M = a·bᵀ with a product D = hᵀ·a over the same a (h of M's shape),
 * computed in the same pass (kernels/masked-pair.ts): in a sparse autoencoder, g·W_decᵀ and the
 * decoder's weight gradient hᵀ·g. D then runs at M's place, so h must be ready by then and D's
 * readers must come after.
 */
export function planMaskedPairs(
  graph: Graph,
  order: readonly Node[],
  masked: ReadonlyMap<Node, MaskedProduct>,
  fused: ReadonlySet<Node>,
): Map<Node, Node> {
  const pairs = new Map<Node, Node>();
  const at = new Map<Node, number>(order.map((n, i) => [n, i]));
  const ready = (n: Node, by: Node) =>
    n.op.kind === 'input' || n.op.kind === 'const' || at.get(n)! < at.get(by)!;
  const readers = consumersOf(graph);
  const taken = new Set<Node>();
  /** Whether every node reading d runs after m (d moves to m's place, which may be later than its own). */
  const readersAfter = (d: Node, m: Node) => (readers.get(d) ?? []).every((r) => at.get(r)! > at.get(m)!);
  for (const m of masked.keys()) {
    const [a, b] = m.inputs;
    // The partner reads a as its right operand: D = hᵀ·a.
    const d = (readers.get(a) ?? []).find(
      (d) =>
        d.op.kind === 'matmul' &&
        d.op.transA &&
        !d.op.transB &&
        d.inputs[1] === a &&
        !fused.has(d) &&
        !taken.has(d) &&
        d.inputs[0].shape.length === 2 &&
        sameShapeAs(d.inputs[0], m) &&
        d.shape[0] === b.shape[0] &&
        d.shape[1] === b.shape[1] &&
        ready(d.inputs[0], m) &&
        readersAfter(d, m) &&
        maskedPairFits(b.shape[0], b.shape[1]),
    );
    if (d) {
      pairs.set(m, d);
      taken.add(d);
    }
  }
  return pairs;
}

/** The masking pass: each product planMaskedProducts finds becomes a masked step. */
export function maskSteps(steps: readonly Step[], found: ReadonlyMap<Node, MaskedProduct>): Step[] {
  return steps.map((s): Step => {
    if (s.kind !== 'matmul') return s;
    const mask = found.get(s.node);
    return mask ? { kind: 'masked', node: s.node, mask, split: false } : s;
  });
}

/**
 * The pairing pass: each masked step with a partner (planMaskedPairs) becomes a masked pair at its
 * place, and the partner's own step goes.
 */
export function pairSteps(
  steps: readonly Step[],
  graph: Graph,
  order: readonly Node[],
  fused: ReadonlySet<Node>,
): Step[] {
  const masked = new Map<Node, MaskedProduct>();
  for (const s of steps) if (s.kind === 'masked') masked.set(s.node, s.mask);
  const pairs = planMaskedPairs(graph, order, masked, fused);
  const away = new Set(pairs.values());
  return steps.flatMap((s): Step[] => {
    if (s.kind === 'matmul' && away.has(s.node)) return [];
    const partner = s.kind === 'masked' ? pairs.get(s.node) : undefined;
    return partner && s.kind === 'masked' ? [{ ...s, kind: 'maskedPair', partner }] : [s];
  });
}
