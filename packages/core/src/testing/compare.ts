/** Agreement of two tensors: max|a - b| <= atol + rtol * max|b|, with the figures kept for tables. */
export interface Comparison {
  readonly name: string;
  readonly maxAbs: number;
  /** maxAbs relative to max|expected| (0 when both are all zeros). */
  readonly maxRel: number;
  /** The bound maxAbs had to stay under. */
  readonly tol: number;
  readonly pass: boolean;
  readonly note?: string;
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** The bound the golden README calls fair for float32 against float64. */
export const GOLDEN_TOLERANCE: Tolerance = Object.freeze({ atol: 1e-6, rtol: 1e-4 });

export function compareTensors(
  name: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = GOLDEN_TOLERANCE,
): Comparison {
  if (actual.length !== expected.length) {
    return {
      name,
      maxAbs: Infinity,
      maxRel: Infinity,
      tol: 0,
      pass: false,
      note: `length ${actual.length} vs ${expected.length}`,
    };
  }
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < actual.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const d = Math.abs(a - e);
    // A NaN where a number was expected (or the reverse) is a failure, never silently "close".
    if (Number.isNaN(d)) {
      if (!(Number.isNaN(a) && Number.isNaN(e))) maxAbs = Infinity;
    } else if (d > maxAbs) maxAbs = d;
    if (Math.abs(e) > maxRef) maxRef = Math.abs(e);
  }
  const bound = tol.atol + tol.rtol * maxRef;
  return { name, maxAbs, maxRel: maxRef > 0 ? maxAbs / maxRef : maxAbs, tol: bound, pass: maxAbs <= bound };
}

/** One line per comparison, for test failure messages and logs. */
export function formatComparisons(cs: readonly Comparison[]): string {
  return cs
    .map(
      (c) =>
        `${c.pass ? 'ok  ' : 'FAIL'} ${c.name}: max abs ${c.maxAbs.toExponential(2)}, rel ${c.maxRel.toExponential(2)}, tol ${c.tol.toExponential(2)}${c.note ? ` (${c.note})` : ''}`,
    )
    .join('\n');
}
