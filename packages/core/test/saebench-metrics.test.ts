import { describe, expect, it } from 'vitest';
import { SaeBenchAccumulator, saeBenchMetrics } from '../src/index.js';

// Values known in closed form; the PyTorch case is checked in tools/test-data (core cannot depend on it).

/** Rows x_b = c + a_b·v, x̂_b = c + a_b·v/2, a_b = ±2 alternating: every metric is known exactly. */
function offsetRows(n: number, c: number): { x: Float32Array; recon: Float32Array } {
  const v = [1, 0, 0, 0];
  const x = new Float32Array(n * 4);
  const recon = new Float32Array(n * 4);
  for (let b = 0; b < n; b++) {
    const a = b % 2 === 0 ? 2 : -2;
    for (let d = 0; d < 4; d++) {
      x[b * 4 + d] = c + a * v[d];
      recon[b * 4 + d] = c + (a / 2) * v[d];
    }
  }
  return { x, recon };
}

function stream(acc: SaeBenchAccumulator, x: Float32Array, h: Float32Array, y: Float32Array, rows: number) {
  const D = acc.inputDim;
  const H = acc.hiddenDim;
  const n = x.length / D;
  for (let s = 0; s < n; s += rows) {
    const r = Math.min(rows, n - s);
    acc.add(
      x.subarray(s * D, (s + r) * D),
      h.subarray(s * H, (s + r) * H),
      y.subarray(s * D, (s + r) * D),
      r,
    );
  }
}

describe('SaeBenchAccumulator', () => {
  it('keeps the variance about the mean exact under a large offset, streamed in odd batches', () => {
    // The offset 1e7 is exact in float32 (as are ±2, ±1 beside it); E[x²] − E[x]² would lose it.
    const n = 2000;
    const { x, recon } = offsetRows(n, 1e7);
    const hidden = new Float32Array(n * 2);
    const acc = new SaeBenchAccumulator(4, 2);
    stream(acc, x, hidden, recon, 333);
    const m = acc.result();
    // Σe² = n·1, Σ(x − x̄)² = n·4.
    expect(m.explained_variance).toBeCloseTo(0.75, 11);
    expect(m.fvu).toBeCloseTo(0.25, 11);
    expect(m.mse).toBe(1);
    // e = ±1 has mean 0: the dl form is the same here.
    expect(m.frac_variance_explained_dl).toBeCloseTo(0.75, 11);
    // The data is hard: Σx² − n·x̄² in float64 is far off.
    let sq = 0;
    const mean = [0, 0, 0, 0];
    for (let i = 0; i < x.length; i++) {
      sq += x[i] * x[i];
      mean[i % 4] += x[i] / n;
    }
    const naive = 1 - n / (sq - n * mean.reduce((a, v) => a + v * v, 0));
    expect(Math.abs(naive - 0.75)).toBeGreaterThan(1e-3);
    // 333 is odd, so each batch's mean is off 0 by 2/333 and the per-batch legacy form moves a little.
    expect(m.explained_variance_legacy_mean).toBe('per-batch');
    expect(Math.abs(m.explained_variance_legacy - 0.75)).toBeGreaterThan(0);
    expect(m.explained_variance_legacy).toBeCloseTo(0.75, 3);
  });

  it('separates the mean error from the variance: frac_variance_explained_dl ignores a constant bias', () => {
    // x̂ = x − 3 (a constant error): mse sees it, the dl form does not.
    const x = Float32Array.from([1, 2, 3, 4, 5, 6]);
    const recon = x.map((v) => v - 3);
    const m = saeBenchMetrics(x, new Float32Array(6), recon, 6, 1);
    expect(m.mse).toBe(9);
    expect(m.frac_variance_explained_dl).toBe(1);
    // Σ(x − x̄)² = 17.5.
    expect(m.explained_variance).toBeCloseTo(1 - 54 / 17.5, 14);
  });

  it('counts latents: density, L0, L1, alive, dead and the 1% / 10% frequencies', () => {
    // 200 rows, 4 latents: latent 0 fires on every row, 1 on 20 (10%: not over), 2 on 3 (1.5%), 3 never.
    const n = 200;
    const hidden = new Float32Array(n * 4);
    for (let b = 0; b < n; b++) {
      hidden[b * 4] = 0.5;
      if (b < 20) hidden[b * 4 + 1] = 2;
      if (b < 3) hidden[b * 4 + 2] = 1;
      hidden[b * 4 + 3] = -1; // negative values are not active, but count in L1 by magnitude
    }
    const x = Float32Array.from({ length: n }, (_, i) => (i % 3) + 1);
    const m = saeBenchMetrics(x, hidden, x, n, 1);
    expect(m.featureDensity).toEqual([1, 0.1, 0.015, 0]);
    expect(m.l0).toBeCloseTo((200 + 20 + 3) / 200, 14);
    expect(m.l1).toBeCloseTo((100 + 40 + 3 + 200) / 200, 14);
    expect([m.frac_alive, m.dead_count, m.freq_over_1_percent, m.freq_over_10_percent]).toEqual([
      0.75, 1, 0.75, 0.25,
    ]);
    expect([m.explained_variance, m.cossim, m.l2_ratio, m.relative_reconstruction_bias]).toEqual([
      1, 1, 1, 1,
    ]);
  });

  it('cossim, norms, l2_ratio and relative_reconstruction_bias of a shrunk, rotated reconstruction', () => {
    // x = (3, 4), x̂ = (0, 2.5): ‖x‖ 5, ‖x̂‖ 2.5, cos 0.8; a zero-norm row takes ratio 1 (SAELens).
    const m = saeBenchMetrics(
      Float32Array.from([3, 4]),
      new Float32Array(1),
      Float32Array.from([0, 2.5]),
      1,
      2,
    );
    expect(m.cossim).toBeCloseTo(0.8, 14);
    expect([m.l2_norm_in, m.l2_norm_out, m.l2_ratio]).toEqual([5, 2.5, 0.5]);
    expect(m.relative_reconstruction_bias).toBeCloseTo(6.25 / 10, 14);
    const z = saeBenchMetrics(
      Float32Array.from([0, 0]),
      new Float32Array(1),
      Float32Array.from([1, 0]),
      1,
      2,
    );
    expect(z.l2_ratio).toBe(1);
  });

  it('refuses batches shorter than they claim and an empty result', () => {
    const acc = new SaeBenchAccumulator(3, 2);
    expect(() => acc.result()).toThrow(/no rows were evaluated/);
    expect(() => acc.add(new Float32Array(5), new Float32Array(4), new Float32Array(6), 2)).toThrow(
      /2 rows needs 6 inputs and 4 latents/,
    );
    expect(() => new SaeBenchAccumulator(3, 2, [0, 0])).toThrow(/inputMean has 2 values/);
  });
});
