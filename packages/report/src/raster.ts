/**
 * Image data shown as images: tiles of input-space values (digits, decoder weights) resampled to
 * their on-screen size and coloured through a lookup table taken from the same Vega colour scheme
 * the chart's legend uses. The raster is embedded in the Vega chart as an image mark (a PNG data
 * URL); everything around it — titles, axes, legends, outlines — is drawn by Vega.
 */
import { encode } from 'fast-png';
import * as vega from 'vega';
import type { NumericArray } from './validate.js';

/** 256 RGB triples, index 0 = low end of the scale. */
export type ColorLut = Uint8Array;

export function grayLut(): ColorLut {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut.fill(i, i * 3, i * 3 + 3);
  return lut;
}

function parseColor(css: string): [number, number, number] {
  const rgb = /^rgba?\(\s*([\d.]+)\s*,\s*([\d.]+)\s*,\s*([\d.]+)/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  const hex = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(css);
  if (hex) return [Number.parseInt(hex[1], 16), Number.parseInt(hex[2], 16), Number.parseInt(hex[3], 16)];
  throw new Error(`report: cannot parse colour ${JSON.stringify(css)} from a Vega scheme`);
}

/**
 * Lookup table for a continuous Vega scheme (e.g. 'redblue'), sampled exactly as a Vega linear
 * colour scale with `range: { scheme }` and the same `reverse` flag maps its domain.
 */
export function schemeLut(scheme: string, reverse = false): ColorLut {
  const interpolate = vega.scheme(scheme) as ((t: number) => string) | undefined;
  if (typeof interpolate !== 'function')
    throw new Error(`report: unknown continuous Vega scheme '${scheme}'`);
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    const [r, g, b] = parseColor(interpolate(reverse ? 1 - t : t));
    lut[i * 3] = Math.round(r);
    lut[i * 3 + 1] = Math.round(g);
    lut[i * 3 + 2] = Math.round(b);
  }
  return lut;
}

/**
 * Box-filter (area-average) resampling weights from `src` cells to `dst` cells along one axis.
 * Upscaling by a non-integer factor gives crisp cells with at most one blended pixel between
 * neighbours; downscaling averages.
 */
function boxWeights(src: number, dst: number): { idx: Int32Array; w: Float64Array; start: Int32Array } {
  const ratio = src / dst;
  const idx: number[] = [];
  const w: number[] = [];
  const start = new Int32Array(dst + 1);
  for (let p = 0; p < dst; p++) {
    start[p] = idx.length;
    const a = p * ratio;
    const b = (p + 1) * ratio;
    for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
      const overlap = Math.min(b, s + 1) - Math.max(a, s);
      if (overlap > 1e-9) {
        idx.push(s);
        w.push(overlap / ratio);
      }
    }
  }
  start[dst] = idx.length;
  return { idx: Int32Array.from(idx), w: Float64Array.from(w), start };
}

/** An RGBA raster, transparent until painted. */
export class Raster {
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height * 4);
  }

  /**
   * Paint `src[offset .. offset + rows*cols)` (row-major rows×cols) into the rectangle at (x0, y0)
   * of size w×h, mapping `lo → lut[0]` and `hi → lut[255]` (clamped).
   */
  paintImage(
    x0: number,
    y0: number,
    w: number,
    h: number,
    src: NumericArray,
    offset: number,
    rows: number,
    cols: number,
    lo: number,
    hi: number,
    lut: ColorLut,
  ): void {
    const wx = boxWeights(cols, w);
    const wy = boxWeights(rows, h);
    const span = hi - lo;
    const scale = span > 0 ? 255 / span : 0;
    const rowBuf = new Float64Array(cols);
    for (let y = 0; y < h; y++) {
      rowBuf.fill(0);
      for (let k = wy.start[y]; k < wy.start[y + 1]; k++) {
        const base = offset + wy.idx[k] * cols;
        const wk = wy.w[k];
        for (let c = 0; c < cols; c++) rowBuf[c] += wk * src[base + c];
      }
      let o = ((y0 + y) * this.width + x0) * 4;
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (let k = wx.start[x]; k < wx.start[x + 1]; k++) v += wx.w[k] * rowBuf[wx.idx[k]];
        let i = span > 0 ? Math.round((v - lo) * scale) : 128;
        if (i < 0) i = 0;
        else if (i > 255) i = 255;
        this.data[o] = lut[i * 3];
        this.data[o + 1] = lut[i * 3 + 1];
        this.data[o + 2] = lut[i * 3 + 2];
        this.data[o + 3] = 255;
        o += 4;
      }
    }
  }

  /** The raster as a `data:image/png;base64,…` URL for a Vega image mark. */
  toDataUrl(): string {
    const png = encode({ width: this.width, height: this.height, data: this.data, channels: 4, depth: 8 });
    return `data:image/png;base64,${Buffer.from(png.buffer, png.byteOffset, png.byteLength).toString('base64')}`;
  }
}

/** Lay out `n` tiles of aspect rows:cols in a near-square grid: `[gridRows, gridCols]`. */
export function gridFor(n: number, rows: number, cols: number): [number, number] {
  const gridCols = Math.max(1, Math.min(n, Math.ceil(Math.sqrt((n * rows) / cols))));
  return [Math.ceil(n / gridCols), gridCols];
}

/** Pixel sizes of a grid of equal tiles that fits in maxWidth×maxHeight (upscaled at most maxScale×). */
export interface TileLayout {
  tileW: number;
  tileH: number;
  gap: number;
  /** Width and height of the whole grid, gaps included. */
  width: number;
  height: number;
}

export function fitTiles(
  gridRows: number,
  gridCols: number,
  imgRows: number,
  imgCols: number,
  gap: number,
  maxWidth: number,
  maxHeight: number,
  maxScale: number,
): TileLayout {
  const f = Math.min(
    (maxWidth - (gridCols - 1) * gap) / (gridCols * imgCols),
    (maxHeight - (gridRows - 1) * gap) / (gridRows * imgRows),
    maxScale,
  );
  const tileW = Math.max(1, Math.floor(imgCols * f));
  const tileH = Math.max(1, Math.floor(imgRows * f));
  return {
    tileW,
    tileH,
    gap,
    width: gridCols * tileW + (gridCols - 1) * gap,
    height: gridRows * tileH + (gridRows - 1) * gap,
  };
}

/** A rectangle in PNG pixel coordinates. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}
