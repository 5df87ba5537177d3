import type { FloatArray } from '@saekit/core';

/**
 * The first index where a and b differ (Object.is: NaN matches NaN, 0 does not match -0), or -1.
 * A loop, not toEqual: deep equality of large arrays takes seconds.
 */
export function firstDifference(a: FloatArray, b: FloatArray): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

/**
 * The largest |got - want| / (1 + |want|) over all entries (NaN when one side is NaN and the other
 * not): one number to check, instead of an `expect` per entry.
 */
export function worstError(got: FloatArray, want: FloatArray): number {
  if (got.length !== want.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    if (!(e <= worst)) worst = e;
  }
  return worst;
}
