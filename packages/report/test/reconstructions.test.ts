import { describe, expect, it } from 'vitest';
import { reconstructionsPng, renderReconstructions } from '../src/reconstructions.js';
import { decodePng, expectFigure, luminance, meanRgb } from './helpers.js';

const R = 28;
const C = 28;
const P = R * C;

/** 10 images: 0 white, 1 black, 2 top half white, 3 left half white, rest a centred square. */
function patterns(): Float32Array {
  const out = new Float32Array(10 * P);
  for (let i = 0; i < 10; i++) {
    for (let y = 0; y < R; y++) {
      for (let x = 0; x < C; x++) {
        let v = 0;
        if (i === 0) v = 1;
        else if (i === 2) v = y < R / 2 ? 1 : 0;
        else if (i === 3) v = x < C / 2 ? 1 : 0;
        else if (i >= 4) v = x >= 8 && x < 20 && y >= 8 && y < 20 ? 0.8 : 0.1;
        out[i * P + y * C + x] = v;
      }
    }
  }
  return out;
}

describe('reconstructionsPng', () => {
  it('draws a legible, non-blank figure of sensible size', async () => {
    const orig = patterns();
    const png = await reconstructionsPng({ originals: orig, reconstructions: orig, imageShape: [R, C] });
    expectFigure(png, { minW: 600, maxW: 1000, minH: 180, maxH: 500 });
  });

  it('shows each input in its tile: originals on top, reconstructions below, not transposed', async () => {
    const orig = patterns();
    // Reconstructions are the photographic negative, so every tile differs between the rows.
    const rec = orig.map((v) => 1 - v);
    const out = await renderReconstructions({ originals: orig, reconstructions: rec, imageShape: [R, C] });
    const img = decodePng(out.png);
    expect(out.originalTiles).toHaveLength(10);
    const lum = (t: { x: number; y: number; width: number; height: number }) => luminance(meanRgb(img, t, 3));
    const [o0, o1, o2, o3] = out.originalTiles;
    const [r0, r1] = out.reconstructionTiles;
    expect(lum(o0)).toBeGreaterThan(235);
    expect(lum(o1)).toBeLessThan(20);
    expect(lum(r0)).toBeLessThan(20);
    expect(lum(r1)).toBeGreaterThan(235);
    // Image 2: top half bright. Image 3: left half bright.
    const top = { ...o2, height: o2.height / 2 };
    const bottom = { ...o2, y: o2.y + o2.height / 2, height: o2.height / 2 };
    expect(lum(top)).toBeGreaterThan(235);
    expect(lum(bottom)).toBeLessThan(20);
    const left = { ...o3, width: o3.width / 2 };
    const right = { ...o3, x: o3.x + o3.width / 2, width: o3.width / 2 };
    expect(lum(left)).toBeGreaterThan(235);
    expect(lum(right)).toBeLessThan(20);
  });

  it('shows only the first n images and rescales values outside [0, 1]', async () => {
    const orig = patterns().map((v) => v * 255);
    const out = await renderReconstructions({
      originals: orig,
      reconstructions: orig,
      imageShape: [R, C],
      n: 3,
    });
    expect(out.originalTiles).toHaveLength(3);
    const img = decodePng(out.png);
    expect(luminance(meanRgb(img, out.originalTiles[0], 3))).toBeGreaterThan(235);
    expect(luminance(meanRgb(img, out.originalTiles[1], 3))).toBeLessThan(20);
  });

  it('handles non-square images', async () => {
    const orig = new Float32Array(4 * 10 * 30).map((_, i) => (i % 30) / 29);
    const png = await reconstructionsPng({ originals: orig, reconstructions: orig, imageShape: [10, 30] });
    expectFigure(png, { minW: 300, maxW: 1000, minH: 100, maxH: 600 });
  });

  it('rejects bad input with a clear error', async () => {
    const orig = patterns();
    await expect(
      reconstructionsPng({ originals: orig, reconstructions: orig, imageShape: [28, 27] }),
    ).rejects.toThrow(/not a multiple of rows\*cols=756/);
    await expect(
      reconstructionsPng({ originals: orig, reconstructions: orig.subarray(0, 9 * P), imageShape: [R, C] }),
    ).rejects.toThrow(/reconstructions.length=7056 must equal originals.length=7840/);
    await expect(
      reconstructionsPng({ originals: new Float32Array(0), reconstructions: orig, imageShape: [R, C] }),
    ).rejects.toThrow(/originals is empty/);
    await expect(
      reconstructionsPng({ originals: orig, reconstructions: new Float32Array(0), imageShape: [R, C] }),
    ).rejects.toThrow(/reconstructions is empty/);
    await expect(
      reconstructionsPng({ originals: orig, reconstructions: orig, imageShape: [0, 784] }),
    ).rejects.toThrow(/imageShape\[0\] \(rows\) must be a positive integer/);
    const bad = orig.slice();
    bad[5] = Number.NaN;
    await expect(
      reconstructionsPng({ originals: bad, reconstructions: orig, imageShape: [R, C] }),
    ).rejects.toThrow(/originals\[5\] is NaN/);
  });
});
