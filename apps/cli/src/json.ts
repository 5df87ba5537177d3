/**
 * JSON with NaN, Infinity and -Infinity kept apart as the strings "NaN", "Infinity" and
 * "-Infinity" (JSON itself would write all three as null); `readRun` turns them back into numbers.
 */
export function metricsJson(value: unknown): string {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
  return `${text}\n`;
}

const NON_FINITE: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

/** Parses what `metricsJson` wrote (plain JSON too). */
export function parseMetricsJson(text: string): unknown {
  return JSON.parse(text, (_k, v: unknown) =>
    typeof v === 'string' && Object.hasOwn(NON_FINITE, v) ? NON_FINITE[v] : v,
  );
}
