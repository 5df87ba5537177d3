/** Median of a list of numbers. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Times an async action: `warmup` untimed calls, then timed calls until both `minRuns` and
 * `minMs` are reached (capped at `maxRuns`). Returns the per-call times in ms.
 */
export async function timeRuns(
  fn: () => Promise<unknown>,
  opts: { warmup?: number; minRuns?: number; maxRuns?: number; minMs?: number } = {},
): Promise<number[]> {
  const { warmup = 5, minRuns = 15, maxRuns = 200, minMs = 2000 } = opts;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minMs)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}
