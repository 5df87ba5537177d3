import type { Node } from './node.js';

/**
 * A vector-Jacobian product: given the cotangent `g` of a node's output, the cotangent of each of
 * its operands, built from primitives only, so gradients run on every backend. `null` means no
 * gradient flows to that operand (comparisons, `sign`, the `where` condition, `kthLargest`).
 */
export type VjpRule = (g: Node, node: Node) => readonly (Node | null)[];
