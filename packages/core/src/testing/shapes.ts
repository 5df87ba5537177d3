import type { Shape } from '../graph/shape.js';

// Shapes for testing primitives, one set for every backend's tests and the conformance suite.
// Each entry is there for an edge case of kernels: rank 0, size-1 axes (broadcast or not), and
// sizes that are no multiple of any block or vector width. A test that needs more (a larger odd
// size, say) appends its own: `[...EDGE_SHAPES, [33, 65]]`.

/** Operand shapes for the elementwise ops of one operand. */
export const EDGE_SHAPES: readonly Shape[] = [
  [], // a scalar: rank 0, one value
  [13], // rank 1, an odd length
  [1, 1], // every axis of size 1
  [7, 13], // odd sizes, both prime
  [3, 1, 5], // a size-1 axis between two others, the shorter outer axis leading
  [5, 1, 3], // the same with the longer one leading
];

/** Operand shape pairs for the elementwise ops of two operands (NumPy broadcasting). */
export const BROADCAST_PAIRS: readonly (readonly [Shape, Shape])[] = [
  [
    [7, 13],
    [7, 13],
  ], // one shape: no broadcasting
  [[7, 13], [13]], // the right operand broadcast over the rows
  [[13], [7, 13]], // the left one
  [
    [7, 1],
    [1, 13],
  ], // both ways at once: each operand stretched along another axis
  [[7, 13], []], // against a scalar on the right
  [[], [7, 13]], // and on the left
  [
    [1, 1],
    [1, 1],
  ], // nothing but size-1 axes, on both sides
  [
    [1, 1],
    [3, 1],
  ], // a size-1 axis stretched on one side, kept on the other
  [
    [2, 1, 3],
    [2, 4, 1],
  ], // both ways in 3-D, at one rank
  [
    [3, 1, 5],
    [4, 5],
  ], // across ranks: the missing leading axis and the size-1 middle one stretched
  [
    [5, 1, 3],
    [4, 3],
  ], // the same with the longer axis leading
  [
    [2, 1, 4, 1],
    [3, 1, 5],
  ], // rank 4 against rank 3, size-1 axes stretched on both sides
];

/** matmul's four transpose modes, [transA, transB]. */
export const MATMUL_MODES: readonly (readonly [transA: boolean, transB: boolean])[] = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

/** The stored operand shapes of op(a) [m, k] · op(b) [k, n] in a transpose mode. */
export function matmulShapes(
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
): [a: Shape, b: Shape] {
  return [transA ? [k, m] : [m, k], transB ? [n, k] : [k, n]];
}

/** Every permutation of three axes: what transpose of a 3-D tensor must get right. */
export const PERMUTATIONS_3D: readonly (readonly number[])[] = [
  [0, 1, 2],
  [0, 2, 1],
  [1, 0, 2],
  [1, 2, 0],
  [2, 0, 1],
  [2, 1, 0],
];
