// Conveniences composed from primitives: no rules of their own, so every backend gets them free.
import type { Node } from '../graph/node.js';
import { normalizeAxes, sizeOf } from '../graph/shape.js';
import { mul } from './binary.js';
import { sum } from './shape.js';

/** Mean over `axes` (all when omitted). */
export function mean(x: Node, axes?: readonly number[], keepDims = false): Node {
  const ax = normalizeAxes('mean', axes ?? x.shape.map((_, i) => i), x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  return mul(sum(x, ax, keepDims), 1 / count);
}

export const square = (x: Node): Node => mul(x, x);
