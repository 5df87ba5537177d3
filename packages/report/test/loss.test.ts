import { describe, expect, it } from 'vitest';
import { lossPng, renderLoss } from '../src/loss.js';
import { countPixels, decodePng, expectFigure, isBlueish, isOrange } from './helpers.js';

const train = Array.from({ length: 20 }, (_, e) => 0.01 + 0.08 * Math.exp(-e / 4));
const test = train.map((v) => v * 1.15);

describe('lossPng', () => {
  it('draws a legible, non-blank figure', async () => {
    expectFigure(await lossPng({ train, test }), { minW: 650, maxW: 1000, minH: 350, maxH: 600 });
    expectFigure(await lossPng({ train: [0.3] }), { minW: 650, maxW: 1000, minH: 350, maxH: 600 });
  });

  it('draws the curves where the data says, one colour per split', async () => {
    const out = await renderLoss({ train, test });
    const img = decodePng(out.png);
    const { plot } = out;
    // Decreasing loss: curves in the top-left corner, nothing of theirs in the lower-left.
    const topLeft = { x: plot.x + 2, y: plot.y, width: plot.width * 0.15, height: plot.height * 0.3 };
    const bottomLeft = {
      x: plot.x + 2,
      y: plot.y + plot.height * 0.75,
      width: plot.width * 0.1,
      height: plot.height * 0.23,
    };
    expect(countPixels(img, topLeft, isBlueish)).toBeGreaterThan(50);
    expect(countPixels(img, topLeft, isOrange)).toBeGreaterThan(50);
    expect(countPixels(img, bottomLeft, isBlueish) + countPixels(img, bottomLeft, isOrange)).toBe(0);

    const trainOnly = decodePng((await renderLoss({ train })).png);
    const all = { x: 0, y: 0, width: trainOnly.width, height: trainOnly.height };
    expect(countPixels(trainOnly, all, isOrange)).toBe(0);
    expect(countPixels(trainOnly, all, isBlueish)).toBeGreaterThan(200);
  });

  it('leaves out non-finite values instead of failing', async () => {
    const png = await lossPng({ train: [0.5, 0.4, Number.NaN, Number.POSITIVE_INFINITY] });
    expectFigure(png, { minW: 650, maxW: 1000, minH: 350, maxH: 600 });
  });

  it('rejects bad input with a clear error', async () => {
    await expect(lossPng({ train: [] })).rejects.toThrow(/train is empty/);
    await expect(lossPng({ train: [1, 2], test: [] })).rejects.toThrow(/test is empty/);
    await expect(lossPng({ train: [1, 2], test: [1] })).rejects.toThrow(/train.length=2 and test.length=1/);
    await expect(lossPng({ train: [Number.NaN] })).rejects.toThrow(/no finite loss values/);
  });
});
