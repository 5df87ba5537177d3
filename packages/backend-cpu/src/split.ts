import type { Node, Shape } from '@saekit/core';
import { compileElementwise } from './kernels/elementwise.js';
import { compileSumRange } from './kernels/sum.js';
import { indexedUnits, topkParts } from './rules-indexed.js';
import type { Step, StepOf } from './steps.js';

/** Elementwise loops and sums with fewer outputs than this run on one thread: a split costs a dispatch and its cache traffic. */
const ELEMENTWISE_SPLIT_MIN = 1 << 13;

/**
 * The threading pass: marks the steps worth running over `threads` threads (large products,
 * elementwise loops and row/column sums). Products split by rows of out in equal counts, not
 * whole tiles of the dense micro-kernel: the sparse kernels take most of a step's products, and a
 * dense share ending mid-tile costs only one short tile.
 */
export function splitSteps(steps: readonly Step[], threads: number, fastMath: boolean): Step[] {
  if (threads < 2) return [...steps];
  return steps.map((s): Step => {
    switch (s.kind) {
      case 'matmul':
      case 'masked':
      case 'maskedPair':
        return { ...s, split: worthSplittingMatmul(productDims(s.node), threads) };
      case 'sum': {
        const x = s.node.inputs[0];
        const axes = s.node.op.kind === 'sum' ? s.node.op.axes : [];
        return { ...s, split: worthSplittingSum(x.size, x.shape, axes, threads) };
      }
      case 'loop': {
        const g = s.group;
        const shape = g.members[0].shape;
        const { outer } = compileElementwise(
          g,
          shape,
          g.leaves.map((l) => l.shape),
          fastMath,
        );
        return { ...s, split: g.members[0].size >= ELEMENTWISE_SPLIT_MIN && outer >= threads };
      }
      case 'indexed':
        return { ...s, split: worthSplittingIndexed(s, threads, fastMath) };
      case 'kthLargest': {
        const x = s.node.inputs[0];
        return { ...s, split: x.size >= ELEMENTWISE_SPLIT_MIN && s.node.size >= threads };
      }
      default:
        return s;
    }
  });
}

/** Whether a sparse TopK step is worth splitting: enough units, and work past the elementwise bar. */
function worthSplittingIndexed(s: StepOf<'indexed'>, threads: number, float32: boolean): boolean {
  const work = Math.max(s.node.size, ...s.reads.map((r) => r.size));
  return (indexedUnits(s) >= threads || topkParts(s, threads, float32) > 0) && work >= ELEMENTWISE_SPLIT_MIN;
}

/** [m, n, k] of a product node. */
function productDims(node: Node): [number, number, number] {
  const [m, n] = node.shape;
  const a = node.inputs[0].shape;
  return [m, n, node.op.kind === 'matmul' && node.op.transA ? a[0] : a[1]];
}

/** Whether a product [m, n, k] is worth splitting: big enough, and shaped for the blocked kernel. */
export function worthSplittingMatmul([m, n, k]: readonly [number, number, number], threads: number): boolean {
  return n > 1 && m >= 6 * threads && 2 * m * n * k >= 1 << 20;
}

/** Whether a sum of `size` inputs is worth splitting (the same bar as an elementwise loop). */
export function worthSplittingSum(
  size: number,
  shape: Shape,
  axes: readonly number[],
  threads: number,
): boolean {
  const k = compileSumRange(shape, axes);
  return k !== undefined && size >= ELEMENTWISE_SPLIT_MIN && k.outputs >= threads;
}

/** Products from this many multiply-adds go out to the pool in shared pieces (ThreadPool.plan). */
const SHARED_MIN_MACS = 2 ** 30;
/**
 * Pieces per thread of a shared product: each piece re-packs all of op(b), so few, but enough for
 * a fast thread to take a slowed one's second piece.
 */
const SHARED_PIECES = 2;

/**
 * Rows per piece when a split product [m, n, k] is big enough that its threads should share it
 * piece by piece (so a thread slowed by other load does less of it), else undefined: equal fixed
 * shares. Pieces are whole micro-kernel tiles of 3 rows. The values do not depend on the split (every output row is summed alike).
 */
export function sharedRows(
  [m, n, k]: readonly [number, number, number],
  threads: number,
): number | undefined {
  if (m * n * k < SHARED_MIN_MACS) return undefined;
  const rows = Math.ceil(m / (SHARED_PIECES * threads) / 3) * 3;
  return rows < m ? rows : undefined;
}
