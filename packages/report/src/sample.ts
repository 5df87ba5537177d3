/**
 * Deterministic choice of which points to draw: a Fisher–Yates shuffle driven by a fixed-seed
 * mulberry32 generator. The order is shuffled even when nothing is dropped, so points sorted by
 * label do not paint one class over the others.
 */
export function sampleIndices(n: number, maxPoints: number, seed = 0x5ae5ae): Uint32Array {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const k = Math.min(n, maxPoints);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(next() * (n - i));
    const tmp = idx[i];
    idx[i] = idx[j];
    idx[j] = tmp;
  }
  return idx.slice(0, k);
}
