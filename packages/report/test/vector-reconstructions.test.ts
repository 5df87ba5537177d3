import { describe, expect, it } from 'vitest';
import { renderVectorReconstructions, vectorReconstructionsPng } from '../src/vector-reconstructions.js';
import { expectFigure, svgTexts } from './helpers.js';

describe('vectorReconstructionsPng', () => {
  // 8 examples of 5 values; the reconstruction of example e is the input scaled by (e + 1) / 8.
  const D = 5;
  const originals = Float32Array.from({ length: 8 * D }, (_, i) => ((i % D) - 2) * ((i % 3) + 1));
  const reconstructions = originals.map((v, i) => (v * (Math.floor(i / D) + 1)) / 8);

  it('draws one labelled panel per example shown, input against reconstruction', async () => {
    const r = await renderVectorReconstructions({ originals, reconstructions, inputDim: D, n: 3 });
    expectFigure(r.png, { minW: 600, maxW: 1000, minH: 300, maxH: 900 });
    expect(r.panels.map((p) => p.example)).toEqual([0, 1, 2]);
    // A positive multiple of the input has cosine 1; its error is (1 − s)² of the input's mean square.
    const ms = (e: number) => originals.slice(e * D, (e + 1) * D).reduce((a, v) => a + v * v, 0) / D;
    for (const p of r.panels) {
      expect(p.cosine).toBeCloseTo(1, 6);
      expect(p.mse).toBeCloseTo((1 - (p.example + 1) / 8) ** 2 * ms(p.example), 5);
    }
    const text = svgTexts(r.svg);
    expect(text).toContain('First 3 test examples and their reconstructions');
    expect(text).toContain('input dimension');
    expect(text).toContain('value');
    expect(text).toContain('input');
    expect(text).toContain('reconstruction');
    expect(text).toContain('example 0: cos 1');
    expect(text.some((t) => t.startsWith("Each panel: one example's 5 input values"))).toBe(true);
    // Not the decoder-weights labels the heat map used to give this figure.
    expect(text.join(' ')).not.toMatch(/hidden unit|w \/ max|input dimensions;/);
  });

  it('shows at most the examples there are, and checks its input', async () => {
    const r = await renderVectorReconstructions({ originals, reconstructions, inputDim: D, n: 20 });
    expect(r.panels).toHaveLength(8);
    await expect(
      vectorReconstructionsPng({ originals, reconstructions: reconstructions.subarray(1), inputDim: D }),
    ).rejects.toThrow(/same length/);
    await expect(vectorReconstructionsPng({ originals, reconstructions, inputDim: 3 })).rejects.toThrow(
      /not a multiple of inputDim=3/,
    );
    const bad = originals.slice();
    bad[2] = Number.NaN;
    await expect(vectorReconstructionsPng({ originals: bad, reconstructions, inputDim: D })).rejects.toThrow(
      /originals\[2\] is NaN/,
    );
  });
});
