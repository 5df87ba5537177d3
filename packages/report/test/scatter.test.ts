import { describe, expect, it } from 'vitest';
import { sampleIndices } from '../src/sample.js';
import { latentScatterPng, renderLatentScatter } from '../src/scatter.js';
import { countPixels, decodePng, distinctColours, expectFigure } from './helpers.js';

/** Not white and not gray: a coloured point. */
const isPoint = ([r, g, b]: [number, number, number]): boolean =>
  Math.max(r, g, b) - Math.min(r, g, b) > 40 && Math.min(r, g, b) < 235;

function line(n: number, slope: 1 | -1): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = i / (n - 1);
    y[i] = slope === 1 ? x[i] : 1 - x[i];
  }
  return { x, y };
}

describe('latentScatterPng', () => {
  it('draws a legible, non-blank figure coloured by label', async () => {
    const n = 3000;
    const labels = new Uint8Array(n).map((_, i) => i % 10);
    const x = new Float32Array(n).map((_, i) => Math.cos(i) * 0.4 + 0.5);
    const y = new Float32Array(n).map((_, i) => Math.sin(i * 1.3) * 0.4 + 0.5);
    const withLabels = await latentScatterPng({ x, y, dims: [3, 17], labels });
    const img = expectFigure(withLabels, { minW: 600, maxW: 1000, minH: 400, maxH: 700 });
    const plain = decodePng(await latentScatterPng({ x, y, dims: [3, 17] }));
    // Ten label colours (and the legend) give far more colours than a single-colour scatter.
    expect(distinctColours(img)).toBeGreaterThan(distinctColours(plain) * 1.5);
    // The legend sits right of the plot: the labelled figure is wider.
    expect(img.width).toBeGreaterThan(plain.width + 20);
  });

  it('puts the points where the data says', async () => {
    const check = async (slope: 1 | -1) => {
      const { x, y } = line(400, slope);
      const out = await renderLatentScatter({ x, y, dims: [0, 1] });
      const img = decodePng(out.png);
      const { plot } = out;
      const q = (fx: number, fy: number) =>
        countPixels(
          img,
          {
            x: plot.x + fx * plot.width,
            y: plot.y + fy * plot.height,
            width: plot.width / 4,
            height: plot.height / 4,
          },
          isPoint,
        );
      return { topLeft: q(0, 0), topRight: q(0.75, 0), bottomLeft: q(0, 0.75), bottomRight: q(0.75, 0.75) };
    };
    const up = await check(1);
    expect(up.topRight).toBeGreaterThan(200);
    expect(up.bottomLeft).toBeGreaterThan(200);
    expect(up.topLeft).toBe(0);
    expect(up.bottomRight).toBe(0);
    const down = await check(-1);
    expect(down.topLeft).toBeGreaterThan(200);
    expect(down.bottomRight).toBeGreaterThan(200);
    expect(down.topRight).toBe(0);
    expect(down.bottomLeft).toBe(0);
    // Asymmetric: a horizontal line along the bottom (x varies, y = 0) plus one point at (0, 1);
    // swapping the axes would put the line up the left side instead.
    const n = 400;
    const x = new Float32Array(n).map((_, i) => i / (n - 1));
    const y = new Float32Array(n);
    x[0] = 0;
    y[0] = 1;
    const out = await renderLatentScatter({ x, y, dims: [0, 1] });
    const img = decodePng(out.png);
    const { plot } = out;
    const bottomRight = {
      x: plot.x + plot.width * 0.75,
      y: plot.y + plot.height * 0.75,
      width: plot.width / 4,
      height: plot.height / 4,
    };
    const topRight = { ...bottomRight, y: plot.y };
    expect(countPixels(img, bottomRight, isPoint)).toBeGreaterThan(100);
    expect(countPixels(img, topRight, isPoint)).toBe(0);
  });

  it('subsamples deterministically to maxPoints', async () => {
    const idx = sampleIndices(60000, 5000);
    expect(idx).toHaveLength(5000);
    expect(new Set(idx).size).toBe(5000);
    expect(sampleIndices(60000, 5000)).toEqual(idx);
    expect(Math.max(...idx)).toBeGreaterThan(55000); // drawn from the whole range, not a prefix
    const n = 4000;
    const x = new Float32Array(n).map((_, i) => (i * 0.618) % 1);
    const y = new Float32Array(n).map((_, i) => (i * 0.414) % 1);
    const a = await latentScatterPng({ x, y, dims: [0, 1], maxPoints: 1000 });
    const b = await latentScatterPng({ x, y, dims: [0, 1], maxPoints: 1000 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    const all = await latentScatterPng({ x, y, dims: [0, 1], maxPoints: n });
    expect(Buffer.from(a).equals(Buffer.from(all))).toBe(false);
  });

  it('rejects bad input with a clear error', async () => {
    const x = new Float32Array(10);
    await expect(latentScatterPng({ x, y: new Float32Array(9), dims: [0, 1] })).rejects.toThrow(
      /x and y must have the same length, got x.length=10 and y.length=9/,
    );
    await expect(
      latentScatterPng({ x: new Float32Array(0), y: new Float32Array(0), dims: [0, 1] }),
    ).rejects.toThrow(/x is empty/);
    await expect(latentScatterPng({ x, y: x, dims: [0, 1], labels: new Uint8Array(3) })).rejects.toThrow(
      /x and labels must have the same length/,
    );
    await expect(latentScatterPng({ x, y: x, dims: [0, -1] })).rejects.toThrow(
      /dims\[1\] must be a non-negative/,
    );
    await expect(latentScatterPng({ x, y: x, dims: [0, 1], maxPoints: 0 })).rejects.toThrow(/maxPoints/);
  });
});
