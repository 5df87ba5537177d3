/**
 * Spec → SVG → PNG. Vega lays out and draws every chart (axes, ticks, legends, titles) headless;
 * resvg rasterizes the SVG with the DejaVu fonts shipped in the `dejavu-fonts-ttf` npm package, so
 * text renders the same on a machine without any system fonts. System fonts are never loaded.
 */
import { createRequire } from 'node:module';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import type { Config as LiteConfig, TopLevelSpec } from 'vega-lite';
import { compile } from 'vega-lite';

const require = createRequire(import.meta.url);

/** The font family every figure uses; resolved from the bundled TTF files below. */
export const FONT_FAMILY = 'DejaVu Sans';

let fontFiles: string[] | undefined;

/** Absolute paths of the bundled regular and bold DejaVu Sans TTF files. */
export function bundledFontFiles(): string[] {
  fontFiles ??= [
    require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
    require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'),
  ];
  return fontFiles;
}

/** Pixel padding around every figure. */
export const PADDING = 10;

/** Shared look, as a Vega config (also valid for the raw Vega specs built here). */
export const vegaConfig: vega.Config = {
  text: { font: FONT_FAMILY },
  title: {
    font: FONT_FAMILY,
    subtitleFont: FONT_FAMILY,
    fontSize: 17,
    fontWeight: 'bold',
    anchor: 'start',
    offset: 12,
    color: '#111',
    subtitleFontSize: 12,
    subtitleColor: '#555',
    subtitlePadding: 4,
  },
  axis: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: 12,
    labelColor: '#333',
    titleFontSize: 13,
    titleFontWeight: 'normal',
    titleColor: '#222',
    titlePadding: 8,
    gridColor: '#e8e8e8',
    domainColor: '#888',
    tickColor: '#888',
  },
  legend: {
    labelFont: FONT_FAMILY,
    titleFont: FONT_FAMILY,
    labelFontSize: 12,
    titleFontSize: 13,
    titleFontWeight: 'normal',
    titleColor: '#222',
    labelColor: '#333',
  },
};

/** The same look for Vega-Lite specs (compiled into the Vega config above). */
export const liteConfig: LiteConfig = {
  font: FONT_FAMILY,
  title: vegaConfig.title as LiteConfig['title'],
  axis: vegaConfig.axis as LiteConfig['axis'],
  legend: vegaConfig.legend as LiteConfig['legend'],
  view: { stroke: '#ddd' },
};

/** A rendered figure: the PNG plus where the plot area landed in it (PNG pixel coordinates). */
export interface Rendered {
  png: Uint8Array;
  width: number;
  height: number;
  /** Top-left corner of the data rectangle (Vega's origin) in PNG pixels. */
  plotOrigin: [number, number];
  /** The SVG the PNG was rasterized from: its text (titles, axis labels) is what the figure says. */
  svg: string;
}

/** Lay out a Vega spec headless and return its SVG plus the data rectangle's offset. */
export async function vegaToSvg(spec: vega.Spec): Promise<{ svg: string; plotOrigin: [number, number] }> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none', logLevel: vega.Error });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const [ox, oy] = view.origin();
    const pad = view.padding();
    const left = typeof pad === 'number' ? pad : (pad.left ?? 0);
    const top = typeof pad === 'number' ? pad : (pad.top ?? 0);
    return { svg, plotOrigin: [ox + left, oy + top] };
  } finally {
    view.finalize();
  }
}

/**
 * Rasterize an SVG with the bundled fonts only (white background, 1 SVG unit = 1 pixel), cropped
 * to its drawn content plus PADDING. Vega sizes the canvas from estimated text widths that run
 * wide; resvg measures the real glyphs, so the crop removes the excess margin. `offset` is where
 * the SVG's (0, 0) landed in the PNG.
 */
export function svgToPng(svg: string): {
  png: Uint8Array;
  width: number;
  height: number;
  offset: [number, number];
} {
  const resvg = new Resvg(svg, {
    background: 'white',
    font: {
      loadSystemFonts: false,
      fontFiles: bundledFontFiles(),
      defaultFontFamily: FONT_FAMILY,
      sansSerifFamily: FONT_FAMILY,
    },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  });
  let offset: [number, number] = [0, 0];
  const box = resvg.getBBox();
  if (box && box.width > 0 && box.height > 0) {
    const left = Math.max(0, Math.floor(box.x) - PADDING);
    const top = Math.max(0, Math.floor(box.y) - PADDING);
    const right = Math.min(resvg.width, Math.ceil(box.x + box.width) + PADDING);
    const bottom = Math.min(resvg.height, Math.ceil(box.y + box.height) + PADDING);
    // cropByBBox only accepts resvg's own BBox object, so reuse it.
    box.x = left;
    box.y = top;
    box.width = right - left;
    box.height = bottom - top;
    resvg.cropByBBox(box);
    offset = [-left, -top];
  }
  const image = resvg.render();
  const buf = image.asPng();
  return {
    png: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength),
    width: image.width,
    height: image.height,
    offset,
  };
}

/** Render a Vega spec to PNG. */
export async function renderVega(spec: vega.Spec): Promise<Rendered> {
  const { svg, plotOrigin } = await vegaToSvg(spec);
  const { png, width, height, offset } = svgToPng(svg);
  return { png, width, height, plotOrigin: [plotOrigin[0] + offset[0], plotOrigin[1] + offset[1]], svg };
}

/** The head of a Vega-Lite figure: schema, title (none for `''`) and plot size (not for a facet). */
export function liteHead(
  title: string,
  subtitle: string,
  width?: number,
  height?: number,
): { $schema: string; title?: { text: string; subtitle: string }; width?: number; height?: number } {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title === '' ? {} : { title: { text: title, subtitle } }),
    ...(width === undefined ? {} : { width }),
    ...(height === undefined ? {} : { height }),
  };
}

/** Compile a Vega-Lite spec (with the shared config) and render it to PNG. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<Rendered> {
  const { spec: compiled } = compile(spec, { config: liteConfig });
  // resvg paints the white background; a Vega background rect would defeat the content crop.
  delete compiled.background;
  return renderVega(compiled);
}

/** A raster image (a data: URL) stretched over the plot area, pixels kept sharp. */
export function rasterMark(url: string, width: number, height: number): vega.Mark {
  return {
    type: 'image',
    encode: {
      enter: {
        url: { value: url },
        x: { value: 0 },
        y: { value: 0 },
        width: { value: width },
        height: { value: height },
        aspect: { value: false },
        smooth: { value: false },
      },
    },
  };
}

/** A thin border around each band cell of `data` (one rect per row of it), on band scales. */
export function cellBorders(
  data: string,
  x: { scale: string; field: string },
  y: { scale: string; field: string },
  stroke: string,
): vega.Mark {
  return {
    type: 'rect',
    from: { data },
    encode: {
      enter: {
        x: { scale: x.scale, field: x.field, offset: -0.5 },
        width: { scale: x.scale, band: 1, offset: 1 },
        y: { scale: y.scale, field: y.field, offset: -0.5 },
        height: { scale: y.scale, band: 1, offset: 1 },
        stroke: { value: stroke },
        strokeWidth: { value: 1 },
      },
    },
  };
}
