import type { AnySaeConfig, SaeParams } from '@saekit/core';

/** The two units to scatter: the pair with the largest variance over the examples. */
export function busiestUnits(hidden: Float32Array, n: number, H: number): [number, number] {
  const mean = new Float64Array(H);
  const sq = new Float64Array(H);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < H; j++) {
      const v = hidden[i * H + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const variance = Array.from(mean, (m, j) => sq[j] / n - (m / n) ** 2);
  const order = [...variance.keys()].sort((a, b) => variance[b] - variance[a]);
  return H === 1 ? [0, 0] : [order[0], order[1]];
}

/** Two columns of [n, H] activations: the scatter's coordinates. */
export function unitColumns(
  hidden: Float32Array,
  n: number,
  H: number,
  dims: readonly [number, number],
): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = hidden[i * H + dims[0]];
    y[i] = hidden[i * H + dims[1]];
  }
  return { x, y };
}

/** W_enc [D, H] as one row per unit [H, D], each row scaled to unit norm (UFLDL's visualisation). */
export function encoderRows(config: AnySaeConfig, p: SaeParams): Float32Array {
  const { inputDim: D, hiddenDim: H } = config;
  const out = new Float32Array(H * D);
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += p.W_enc[d * H + j] ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let d = 0; d < D; d++) out[j * D + d] = p.W_enc[d * H + j] * inv;
  }
  return out;
}
