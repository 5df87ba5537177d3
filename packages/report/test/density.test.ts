import { describe, expect, it } from 'vitest';
import { densityBins, densityHistogramPng, renderDensityHistogram } from '../src/density.js';
import { expectFigure, svgTexts } from './helpers.js';

describe('densityHistogramPng', () => {
  it('bins log10(density) of the alive latents, right-closed, and counts the dead apart', () => {
    // 1000 examples: the axis starts at log10(1/1000) = -3; bins of 0.2 decades.
    const density = [0, 0, 0.001, 0.01, 0.0101, 0.1, 0.5, 1];
    const { bins, dead } = densityBins(density, 1000);
    expect(dead).toBe(2);
    expect(bins).toHaveLength(15);
    expect(bins[0]).toEqual({ lo: -3, hi: -2.8, count: 1 });
    expect(bins[14]).toEqual({ lo: -0.2, hi: 0, count: 1 });
    const at = (v: number) => bins.find((b) => b.lo < Math.log10(v) && Math.log10(v) <= b.hi)!;
    // 0.01 sits on the 1% edge and stays left of it, as freq_over_1_percent is strict; 0.0101 is right.
    expect(at(0.01)).toEqual({ lo: -2.2, hi: -2, count: 1 });
    expect(bins.find((b) => b.lo === -2)!.count).toBe(1);
    expect(at(0.5)).toEqual({ lo: -0.4, hi: -0.2, count: 1 });
    expect(bins.reduce((a, b) => a + b.count, 0)).toBe(6);
  });

  it('widens the bins when the densities span more decades', () => {
    expect(densityBins([1e-6, 1]).bins[0]).toEqual({ lo: -6, hi: -5.5, count: 1 });
    expect(densityBins([0.3]).bins.map((b) => b.lo)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i - 10) / 10),
    );
  });

  it('says what it shows: title, axis titles, alive/dead counts and the 1% / 10% lines', async () => {
    const density = [0, 0.002, 0.05, 0.05, 0.2, 0.9];
    const r = await renderDensityHistogram({ density, examples: 500 });
    expectFigure(r.png, { minW: 600, maxW: 1000, minH: 300, maxH: 600 });
    const text = svgTexts(r.svg);
    expect(text).toContain('Feature density (log10)');
    expect(text).toContain('log10(fraction of examples on which the latent is active)');
    expect(text).toContain('latents');
    expect(text).toContain('1%');
    expect(text).toContain('10%');
    expect(text).toContain(
      '6 latents on 500 examples: 5 alive, 1 dead (density 0, not drawn); dashed: 1% (4 latents above) and 10% (2 above)',
    );
    expect(r.dead).toBe(1);
    expect(r.bins.reduce((a, b) => a + b.count, 0)).toBe(5);
  });

  it('rejects what is not a density', async () => {
    await expect(densityHistogramPng({ density: [] })).rejects.toThrow(/density is empty/);
    await expect(densityHistogramPng({ density: [0.5, 1.5] })).rejects.toThrow(/density\[1\] is 1.5/);
    await expect(densityHistogramPng({ density: [Number.NaN] })).rejects.toThrow(/density\[0\] is NaN/);
    await expect(densityHistogramPng({ density: [0.5], examples: 0 })).rejects.toThrow(/examples must be/);
  });
});
