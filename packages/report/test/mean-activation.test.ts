import { describe, expect, it } from 'vitest';
import { meanActivationPng, renderMeanActivation, unitTickValues } from '../src/mean-activation.js';
import { countPixels, decodePng, expectFigure, isBlueish, isReddish } from './helpers.js';

describe('meanActivationPng', () => {
  it('draws a legible, non-blank bar chart', async () => {
    const mean = Array.from({ length: 64 }, (_, i) => 0.02 + ((i * 37) % 11) / 100);
    const png = await meanActivationPng({ meanActivation: mean, rho: 0.05 });
    expectFigure(png, { minW: 650, maxW: 1000, minH: 300, maxH: 600 });
  });

  it('bar heights follow the data and rho draws a red reference line', async () => {
    // 10 units: the first five low, the last five high.
    const mean = new Float32Array([0.1, 0.1, 0.1, 0.1, 0.1, 0.9, 0.9, 0.9, 0.9, 0.9]);
    const out = await renderMeanActivation({ meanActivation: mean });
    const img = decodePng(out.png);
    const { plot } = out;
    const upperLeft = {
      x: plot.x,
      y: plot.y + plot.height * 0.2,
      width: plot.width / 2,
      height: plot.height * 0.5,
    };
    const upperRight = { ...upperLeft, x: plot.x + plot.width / 2 };
    expect(countPixels(img, upperLeft, isBlueish)).toBe(0);
    expect(countPixels(img, upperRight, isBlueish)).toBeGreaterThan(5000);
    expect(countPixels(img, { x: 0, y: 0, width: img.width, height: img.height }, isReddish)).toBe(0);

    const withRho = decodePng((await renderMeanActivation({ meanActivation: mean, rho: 0.5 })).png);
    // A dashed rule across the plot at about half height (the y domain is [0, 0.9]).
    const band = { x: plot.x, y: plot.y + plot.height * 0.35, width: plot.width, height: plot.height * 0.2 };
    expect(countPixels(withRho, band, isReddish)).toBeGreaterThan(300);
    const full = { x: 0, y: 0, width: withRho.width, height: withRho.height };
    expect(countPixels(withRho, full, isReddish)).toBeLessThan(countPixels(withRho, band, isReddish) + 200);
  });

  it('labels a readable subset of units on the x axis', () => {
    expect(unitTickValues(10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(unitTickValues(64)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect(unitTickValues(256)).toEqual(Array.from({ length: 13 }, (_, i) => i * 20));
    expect(unitTickValues(1000).length).toBeLessThanOrEqual(20);
  });

  it('rejects bad input with a clear error', async () => {
    await expect(meanActivationPng({ meanActivation: [] })).rejects.toThrow(/meanActivation is empty/);
    await expect(meanActivationPng({ meanActivation: [0.1, Number.NaN] })).rejects.toThrow(
      /meanActivation\[1\] is NaN/,
    );
    await expect(meanActivationPng({ meanActivation: [0.1], rho: Number.NaN })).rejects.toThrow(
      /rho must be finite/,
    );
  });
});
