import { Rng } from '@saekit/core';

/**
 * Deterministic choice of which points to draw: a Fisher–Yates shuffle driven by core's seeded
 * Rng. The order is shuffled even when nothing is dropped, so points sorted by label do not paint
 * one class over the others.
 */
export function sampleIndices(n: number, maxPoints: number, seed = 0x5ae5ae): Uint32Array {
  const rng = new Rng(seed);
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const k = Math.min(n, maxPoints);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    const tmp = idx[i];
    idx[i] = idx[j];
    idx[j] = tmp;
  }
  return idx.slice(0, k);
}
