import { decode } from 'fast-png';
import type { Rect } from '../src/raster.js';

export interface Decoded {
  width: number;
  height: number;
  /** RGBA, 8 bits per channel. */
  rgba: Uint8Array;
}

/** Decode PNG bytes into 8-bit RGBA, whatever the PNG's channel count. */
export function decodePng(png: Uint8Array): Decoded {
  const img = decode(png);
  if (img.depth !== 8) throw new Error(`unexpected PNG bit depth ${img.depth}`);
  const { width, height, channels } = img;
  const src = img.data;
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 4; c++) {
      if (c === 3)
        rgba[p * 4 + 3] = channels === 4 || channels === 2 ? src[p * channels + channels - 1] : 255;
      else rgba[p * 4 + c] = channels >= 3 ? src[p * channels + c] : src[p * channels];
    }
  }
  return { width, height, rgba };
}

export function pixel(img: Decoded, x: number, y: number): [number, number, number] {
  const o = (y * img.width + x) * 4;
  return [img.rgba[o], img.rgba[o + 1], img.rgba[o + 2]];
}

export function distinctColours(img: Decoded): number {
  const seen = new Set<number>();
  for (let p = 0; p < img.width * img.height; p++) {
    const o = p * 4;
    seen.add((img.rgba[o] << 16) | (img.rgba[o + 1] << 8) | img.rgba[o + 2]);
  }
  return seen.size;
}

/** Mean [R, G, B] over a rectangle shrunk by `inset` pixels on every side. */
export function meanRgb(img: Decoded, r: Rect, inset = 0): [number, number, number] {
  const sum = [0, 0, 0];
  let n = 0;
  for (let y = Math.ceil(r.y + inset); y < Math.floor(r.y + r.height - inset); y++) {
    for (let x = Math.ceil(r.x + inset); x < Math.floor(r.x + r.width - inset); x++) {
      const [R, G, B] = pixel(img, x, y);
      sum[0] += R;
      sum[1] += G;
      sum[2] += B;
      n++;
    }
  }
  if (n === 0) throw new Error('empty region');
  return [sum[0] / n, sum[1] / n, sum[2] / n];
}

export function luminance(rgb: [number, number, number]): number {
  return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2];
}

/** How many pixels in the rectangle satisfy `pred`. */
export function countPixels(img: Decoded, r: Rect, pred: (rgb: [number, number, number]) => boolean): number {
  let n = 0;
  for (let y = Math.max(0, Math.ceil(r.y)); y < Math.min(img.height, Math.floor(r.y + r.height)); y++) {
    for (let x = Math.max(0, Math.ceil(r.x)); x < Math.min(img.width, Math.floor(r.x + r.width)); x++) {
      if (pred(pixel(img, x, y))) n++;
    }
  }
  return n;
}

/** Basic sanity every figure must pass: a real PNG of a sensible size that is not blank. */
export function expectFigure(
  png: Uint8Array,
  size: { minW: number; maxW: number; minH: number; maxH: number },
): Decoded {
  if (!(png instanceof Uint8Array)) throw new Error('not a Uint8Array');
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  sig.forEach((b, i) => {
    if (png[i] !== b) throw new Error('missing PNG signature');
  });
  const img = decodePng(png);
  if (img.width < size.minW || img.width > size.maxW) {
    throw new Error(`width ${img.width} outside [${size.minW}, ${size.maxW}]`);
  }
  if (img.height < size.minH || img.height > size.maxH) {
    throw new Error(`height ${img.height} outside [${size.minH}, ${size.maxH}]`);
  }
  const colours = distinctColours(img);
  if (colours < 20) throw new Error(`only ${colours} distinct colours: blank image?`);
  return img;
}

/** Saturated blue-ish pixel of the bar / point colour family. */
export const isBlueish = ([r, , b]: [number, number, number]): boolean => b - r > 60 && b > 120;
/** Saturated red-ish pixel. */
export const isReddish = ([r, g, b]: [number, number, number]): boolean => r - b > 80 && r - g > 60;
/** Saturated orange pixel (#ff7f0e family). */
export const isOrange = ([r, g, b]: [number, number, number]): boolean =>
  r > 200 && g > 90 && g < 180 && b < 90;

/** The text of every `<text>` element of an SVG, entities decoded: what a figure says. */
export function svgTexts(svg: string): string[] {
  const decode = (s: string) =>
    s
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;|&apos;/g, "'")
      .replace(/&amp;/g, '&');
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decode(m[1]));
}
