import type { Tolerance } from './compare.js';

// Every bound is per tensor: max|actual - expected| <= atol + rtol * max|expected|.
// float32 rounds each result to 2^-24 ≈ 6e-8 relative, so a handful of ulps is ~1e-6 relative.

/**
 * One primitive on float32 inputs, against float64 on the same (already rounded) inputs. An
 * elementwise op is off by about one rounding of its result (6e-8 relative); a matmul or sum of up
 * to 129 terms by at most a few dozen ulps of the largest partial sum. rtol 1e-5 (~170 ulps)
 * leaves room for a vectorised exp/log/sigmoid that is a few ulps off (onnxruntime's MLAS,
 * XNNPACK) and for any summation order, and still catches a wrong value, a wrong broadcast or a
 * transposition bug, which are off by O(1). atol 1e-6 only matters when the result is ~0.
 */
export const PRIMITIVE_TOLERANCE: Tolerance = Object.freeze({ atol: 1e-6, rtol: 1e-5 });

/**
 * The magnitude variants (~1e4 and ~1e-6 inputs): purely relative. An absolute 1e-6 would make
 * every tiny-input case pass whatever the backend returned (zeros included), and means nothing
 * next to values of 1e8.
 */
export const MAGNITUDE_TOLERANCE: Tolerance = Object.freeze({ atol: 0, rtol: 1e-5 });

/**
 * The gradient graph of one primitive: the primitive, its VJP rule (2-4 more ops, e.g.
 * -(a/b)/b * g for div) and the unbroadcast sums. Each op adds one rounding; rtol 1e-5 still
 * covers the chain with a wide margin.
 */
export const VJP_TOLERANCE: Tolerance = PRIMITIVE_TOLERANCE;
