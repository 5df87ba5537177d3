/** Each latent's density and where it was counted: the run's test metrics, or the training split here. */
export interface DensitySource {
  readonly density: number[];
  readonly examples: number;
  readonly split: 'test' | 'training';
}

/**
 * The featureDensity of metrics.json's `test.saebench` when the run has one of the model's size;
 * else (a run from before it) counted from the training split's latents [n, H] at hand.
 */
export function featureDensityOf(
  test: Record<string, unknown>,
  hidden: Float32Array,
  n: number,
  H: number,
): DensitySource {
  const sb = test.saebench as { featureDensity?: unknown; n?: unknown } | undefined;
  const fd = sb?.featureDensity;
  if (
    Array.isArray(fd) &&
    fd.length === H &&
    fd.every((v) => typeof v === 'number' && v >= 0 && v <= 1) &&
    Number.isInteger(sb?.n) &&
    (sb?.n as number) > 0
  )
    return { density: fd as number[], examples: sb?.n as number, split: 'test' };
  const fired = new Float64Array(H);
  for (let i = 0; i < n; i++) for (let j = 0; j < H; j++) if (hidden[i * H + j] > 0) fired[j]++;
  return { density: Array.from(fired, (c) => c / n), examples: n, split: 'training' };
}
