// Value generators for test inputs: each case's values come from a seed derived from its name.

import { type Shape, sizeOf } from '../graph/shape.js';
import { Rng } from '../rng.js';

/** Draws one value (in float64; it is rounded to float32 afterwards). */
export type Gen = (rng: Rng) => number;

export const normal =
  (std = 1, mean = 0): Gen =>
  (r) =>
    mean + std * r.normal();
export const uniform =
  (lo: number, hi: number): Gen =>
  (r) =>
    lo + (hi - lo) * r.uniform();
/** Integers in [lo, hi]: ties and exact zeros on purpose (comparisons, maximum, kthLargest). */
export const ints =
  (lo: number, hi: number): Gen =>
  (r) =>
    lo + r.int(hi - lo + 1);
/** 0 or 1. */
export const mask: Gen = (r) => (r.uniform() < 0.5 ? 0 : 1);
/** A `where` condition that is not only 0/1: any non-zero value selects `a`. */
export const nonBinaryCond: Gen = (r) => [0, 1, -2.5, 0.25, 0, 7][r.int(6)];
/** Normal values with about a quarter exact zeros (abs, sign, relu at their kink). */
export const withZeros =
  (std = 1): Gen =>
  (r) =>
    r.uniform() < 0.25 ? 0 : std * r.normal();
/** |x| in [lo, hi], either sign: a denominator kept away from zero. */
export const awayFromZero =
  (lo: number, hi: number): Gen =>
  (r) =>
    (r.uniform() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r.uniform());

/**
 * A tensor's values drawn in float64 and rounded to float32: the float32 copy goes to the backend,
 * the float64 copy (holding exactly the same, rounded, values) to the reference. So the reference
 * measures the backend's arithmetic, not the rounding of its inputs.
 */
export function makeTensor(rng: Rng, shape: Shape, gen: Gen): { f32: Float32Array; f64: Float64Array } {
  const n = sizeOf(shape);
  const f32 = new Float32Array(n);
  for (let i = 0; i < n; i++) f32[i] = gen(rng);
  return { f32, f64: Float64Array.from(f32) };
}

/** A seed from a case name (FNV-1a), so a case's inputs do not depend on which other cases run. */
export function seedOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function rngFor(name: string): Rng {
  return new Rng(seedOf(name));
}

/** `7x13`, `3x1x5`, `scalar`. */
export function shapeName(shape: Shape): string {
  return shape.length ? shape.join('x') : 'scalar';
}

/** NaN, +Inf, -Inf or a normal value, a quarter each: what a diverging step produces. */
export const nonFinite: Gen = (r) =>
  [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, r.normal()][r.int(4)];
