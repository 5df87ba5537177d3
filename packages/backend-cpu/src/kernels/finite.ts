import type { FloatArray } from '@saekit/core';

/*
 * Finiteness checks for kernels that skip terms (a skipped 0·x is only 0 when x is finite). Both
 * sum the values in float64: finite float32 values (|x| < 3.5e38) cannot overflow that sum, so it
 * is finite exactly when every value is.
 */

/** True when every element of x[start, end) is finite. Four partial sums, so the adds overlap. */
export function allFinite(x: FloatArray, start = 0, end = x.length): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < end; i++) s0 += x[i];
  return Number.isFinite(s0 + s1 + s2 + s3);
}

/**
 * dst[q] = src[from + q] for q < len, as float64; returns whether all were finite (checked on the
 * way). Four partial sums: with one, the chain of adds (not the copy) would set the pace.
 */
export function copyFinite(dst: Float64Array, src: FloatArray, len: number, from = 0): boolean {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let q = 0;
  for (; q + 4 <= len; q += 4) {
    const o = from + q;
    const v0 = src[o];
    const v1 = src[o + 1];
    const v2 = src[o + 2];
    const v3 = src[o + 3];
    dst[q] = v0;
    dst[q + 1] = v1;
    dst[q + 2] = v2;
    dst[q + 3] = v3;
    s0 += v0;
    s1 += v1;
    s2 += v2;
    s3 += v3;
  }
  for (; q < len; q++) {
    const v = src[from + q];
    dst[q] = v;
    s0 += v;
  }
  return Number.isFinite(s0 + s1 + s2 + s3);
}
