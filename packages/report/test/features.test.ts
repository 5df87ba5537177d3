import { describe, expect, it } from 'vitest';
import { featuresPng, renderFeatures } from '../src/features.js';
import { decodePng, expectFigure, meanRgb } from './helpers.js';

const P = 28 * 28;

function gabors(n: number): Float32Array {
  const w = new Float32Array(n * P);
  for (let u = 0; u < n; u++) {
    const th = (u * 2.399) % Math.PI;
    const cx = 8 + ((u * 7) % 13);
    const cy = 8 + ((u * 11) % 13);
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const dx = x - cx;
        const dy = y - cy;
        const xr = dx * Math.cos(th) + dy * Math.sin(th);
        w[u * P + y * 28 + x] = Math.exp(-(dx * dx + dy * dy) / 18) * Math.cos(xr);
      }
    }
  }
  return w;
}

describe('featuresPng (image tiles)', () => {
  it('draws every unit as a tile, positive red and negative blue', async () => {
    const w = gabors(16);
    w.fill(1, 0, P); // unit 0: all positive
    w.fill(-1, P, 2 * P); // unit 1: all negative
    w.fill(0, 2 * P, 3 * P); // unit 2: all zero
    const out = await renderFeatures({ weights: w, imageShape: [28, 28] });
    expect(out.tiles).toHaveLength(16);
    const img = expectFigure(out.png, { minW: 500, maxW: 1000, minH: 400, maxH: 900 });
    const [r0, g0, b0] = meanRgb(img, out.tiles[0], 2);
    const [r1, g1, b1] = meanRgb(img, out.tiles[1], 2);
    const [r2, g2, b2] = meanRgb(img, out.tiles[2], 2);
    expect(r0 - b0).toBeGreaterThan(60);
    expect(r0 - g0).toBeGreaterThan(60);
    expect(b1 - r1).toBeGreaterThan(60);
    expect(b1 - g1).toBeGreaterThan(20);
    // zero sits in the light middle of the diverging scale
    expect(Math.min(r2, g2, b2)).toBeGreaterThan(220);
  });

  it("scales each unit to its own range by default, one shared range with normalize: 'global'", async () => {
    const w = new Float32Array(4 * P);
    w.fill(1, 0, P);
    w.fill(0.01, P, 2 * P); // weak unit
    const perUnit = await renderFeatures({ weights: w, imageShape: [28, 28] });
    const global = await renderFeatures({ weights: w, imageShape: [28, 28], normalize: 'global' });
    const weakPer = meanRgb(decodePng(perUnit.png), perUnit.tiles[1], 2);
    const weakGlobal = meanRgb(decodePng(global.png), global.tiles[1], 2);
    expect(weakPer[0] - weakPer[2]).toBeGreaterThan(60); // saturated red
    expect(weakGlobal[0] - weakGlobal[2]).toBeLessThan(20); // near white
  });

  // Its speed is `pnpm bench`'s business: a time limit here failed on a busy machine.
  it('renders 256 units of 28×28 as 256 tiles in one figure', async () => {
    const w = gabors(256);
    const png = await featuresPng({ weights: w, imageShape: [28, 28], title: 'Decoder weights' });
    expectFigure(png, { minW: 500, maxW: 1100, minH: 500, maxH: 1000 });
    const { tiles } = await renderFeatures({ weights: w, imageShape: [28, 28] });
    expect(tiles).toHaveLength(256);
    expect(new Set(tiles.map((t) => `${t.x},${t.y}`)).size).toBe(256);
  });
});

describe('featuresPng (heat map)', () => {
  it('draws units × input dims as a heat map with the data in place', async () => {
    const numUnits = 8;
    const inputDim = 12;
    const w = new Float32Array(numUnits * inputDim);
    for (let u = 0; u < numUnits; u++) {
      for (let d = 0; d < inputDim; d++) w[u * inputDim + d] = d < inputDim / 2 ? 1 : -1;
    }
    const out = await renderFeatures({ weights: w, numUnits });
    const img = expectFigure(out.png, { minW: 300, maxW: 1000, minH: 150, maxH: 800 });
    // Left half of the data rectangle red, right half blue.
    const { x, y, width, height } = out.plot;
    const left = meanRgb(img, { x, y, width: width / 2, height }, 2);
    const right = meanRgb(img, { x: x + width / 2, y, width: width / 2, height }, 2);
    expect(left[0] - left[2]).toBeGreaterThan(60);
    expect(right[2] - right[0]).toBeGreaterThan(60);
  });

  it('handles a large heat map', async () => {
    const png = await featuresPng({ weights: gabors(256), numUnits: 256 });
    expectFigure(png, { minW: 500, maxW: 1100, minH: 300, maxH: 900 });
  });
});

describe('featuresPng input checks', () => {
  it('rejects bad input with a clear error', async () => {
    await expect(featuresPng({ weights: new Float32Array(0), imageShape: [28, 28] })).rejects.toThrow(
      /weights is empty/,
    );
    await expect(featuresPng({ weights: new Float32Array(100), imageShape: [28, 28] })).rejects.toThrow(
      /weights.length=100 is not a multiple of rows\*cols=784/,
    );
    await expect(featuresPng({ weights: new Float32Array(100) })).rejects.toThrow(
      /give imageShape .* or numUnits/,
    );
    await expect(featuresPng({ weights: new Float32Array(100), numUnits: 3 })).rejects.toThrow(
      /not a multiple of numUnits=3/,
    );
    await expect(
      featuresPng({ weights: new Float32Array(2 * P), imageShape: [28, 28], numUnits: 3 }),
    ).rejects.toThrow(/numUnits=3 but weights hold 2 units/);
    const w = new Float32Array(P);
    w[7] = Number.POSITIVE_INFINITY;
    await expect(featuresPng({ weights: w, imageShape: [28, 28] })).rejects.toThrow(
      /weights\[7\] is Infinity/,
    );
  });
});

describe('a heat map of more units than pixel rows', () => {
  it('averages units into rows instead of dropping some (one +1 unit among 1000 -1 units still shows)', async () => {
    const numUnits = 1000;
    const inputDim = 8;
    const allNeg = new Float32Array(numUnits * inputDim).fill(-1);
    const oneOff = allNeg.slice();
    oneOff.fill(1, 2 * inputDim, 3 * inputDim); // unit 2: the one a rounding scheme would skip
    const a = await featuresPng({ weights: allNeg, numUnits, normalize: 'global' });
    const b = await featuresPng({ weights: oneOff, numUnits, normalize: 'global' });
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(false);
  });
});
