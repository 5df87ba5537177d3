import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { featuresPng } from '../src/features.js';
import { lossPng } from '../src/loss.js';
import { renderMeanActivation } from '../src/mean-activation.js';
import { reconstructionsPng } from '../src/reconstructions.js';
import { bundledFontFiles, svgToPng } from '../src/render.js';
import { latentScatterPng } from '../src/scatter.js';
import { countPixels, decodePng, luminance, pixel } from './helpers.js';

const mean = Array.from({ length: 16 }, (_, i) => 0.02 + (i % 5) / 50);
const isInk = (rgb: [number, number, number]): boolean => luminance(rgb) < 110;

describe('text', () => {
  it('uses fonts shipped in an npm package, not system fonts', () => {
    const files = bundledFontFiles();
    expect(files.length).toBeGreaterThanOrEqual(1);
    for (const f of files) {
      expect(f).toMatch(/node_modules.*dejavu-fonts-ttf.*\.ttf$/);
      expect(existsSync(f)).toBe(true);
    }
  });

  it('renders title glyphs: two titles of equal length differ only in the title area', async () => {
    const a = await renderMeanActivation({ meanActivation: mean, title: 'Sparsity AAAA' });
    const b = await renderMeanActivation({ meanActivation: mean, title: 'Sparsity WXYZ' });
    const ia = decodePng(a.png);
    const ib = decodePng(b.png);
    expect([ib.width, ib.height]).toEqual([ia.width, ia.height]);
    let diff = 0;
    let maxY = -1;
    for (let y = 0; y < ia.height; y++) {
      for (let x = 0; x < ia.width; x++) {
        const pa = pixel(ia, x, y);
        const pb = pixel(ib, x, y);
        if (pa[0] !== pb[0] || pa[1] !== pb[1] || pa[2] !== pb[2]) {
          diff++;
          maxY = Math.max(maxY, y);
        }
      }
    }
    expect(diff).toBeGreaterThan(50);
    // Everything that changed lies above the plot (title and subtitle rows).
    expect(maxY).toBeLessThan(a.plot.y);
    // And the title rows hold dark glyph pixels.
    expect(countPixels(ia, { x: 0, y: 0, width: ia.width, height: 28 }, isInk)).toBeGreaterThan(100);
  });

  it("draws no title for title: ''", async () => {
    const titled = await renderMeanActivation({ meanActivation: mean });
    const bare = await renderMeanActivation({ meanActivation: mean, title: '' });
    expect(bare.height).toBeLessThan(titled.height - 20);
    expect(bare.plot.y).toBeLessThan(titled.plot.y - 20);
  });

  it('rasterizes SVG text with the bundled font', () => {
    const svg = (t: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="28" font-family="sans-serif" font-size="24">${t}</text></svg>`;
    const withText = decodePng(svgToPng(svg('Hello')).png);
    const ink = countPixels(withText, { x: 0, y: 0, width: withText.width, height: withText.height }, isInk);
    expect(ink).toBeGreaterThan(100);
  });
});

describe('determinism', () => {
  it('gives byte-identical PNGs for the same input', async () => {
    const img = new Float32Array(3 * 64).map((_, i) => (i % 7) / 6);
    const twice = async (f: () => Promise<Uint8Array>) => {
      const [a, b] = [await f(), await f()];
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    };
    await twice(() => reconstructionsPng({ originals: img, reconstructions: img, imageShape: [8, 8] }));
    await twice(() => featuresPng({ weights: img, imageShape: [8, 8] }));
    await twice(() => featuresPng({ weights: img, numUnits: 3 }));
    await twice(() => lossPng({ train: [3, 2, 1], test: [3.5, 2.5, 1.5] }));
    await twice(() =>
      latentScatterPng({
        x: img,
        y: img.map((v) => 1 - v),
        dims: [1, 2],
        labels: img.map((v) => (v * 6) % 3),
      }),
    );
  });
});
