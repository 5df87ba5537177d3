import type * as vega from 'vega';
import { fitTiles, grayLut, Raster, type Rect } from './raster.js';
import { cellBorders, PADDING, type Rendered, rasterMark, renderVega, vegaConfig } from './render.js';
import {
  assertFinite,
  assertNonEmpty,
  assertPositiveInt,
  checkImageShape,
  copyRange,
  extent,
  formatNumber,
  type NumericArray,
} from './validate.js';

export interface ReconstructionsOptions {
  /** `[numImages, rows*cols]` row-major; values in [0, 1] are shown as-is (0 black, 1 white), any other range is rescaled. */
  originals: NumericArray;
  /** Same layout and length as `originals`: the model's output for each image. */
  reconstructions: NumericArray;
  /** `[rows, cols]` of one image, e.g. `[28, 28]`. */
  imageShape: [number, number];
  /** How many images to show (the first `n`); default 10. */
  n?: number;
  /** Chart title; `''` draws no title. */
  title?: string;
}

const FN = 'reconstructionsPng';

/** @internal Renders and also reports where each tile landed (for tests). */
export async function renderReconstructions(
  opts: ReconstructionsOptions,
): Promise<Rendered & { originalTiles: Rect[]; reconstructionTiles: Rect[] }> {
  const { originals, reconstructions, imageShape } = opts;
  const n = opts.n ?? 10;
  assertNonEmpty(FN, 'originals', originals);
  assertNonEmpty(FN, 'reconstructions', reconstructions);
  const pixels = checkImageShape(FN, imageShape);
  assertPositiveInt(FN, 'n', n);
  if (originals.length % pixels !== 0) {
    throw new RangeError(
      `${FN}: originals.length=${originals.length} is not a multiple of rows*cols=${pixels} (imageShape [${imageShape[0]}, ${imageShape[1]}])`,
    );
  }
  if (reconstructions.length !== originals.length) {
    throw new RangeError(
      `${FN}: reconstructions.length=${reconstructions.length} must equal originals.length=${originals.length}`,
    );
  }
  const count = Math.min(n, originals.length / pixels);
  const shown = count * pixels;
  const origShown = copyRange(originals, 0, shown);
  const recShown = copyRange(reconstructions, 0, shown);
  assertFinite(FN, 'originals', origShown);
  assertFinite(FN, 'reconstructions', recShown);

  // One gray scale for both rows, so a faded reconstruction looks faded.
  const [oLo, oHi] = extent(origShown);
  const [rLo, rHi] = extent(recShown);
  const lo0 = Math.min(oLo, rLo);
  const hi0 = Math.max(oHi, rHi);
  const unitRange = lo0 >= 0 && hi0 <= 1;
  const [lo, hi] = unitRange ? [0, 1] : [lo0, hi0];
  let sq = 0;
  for (let i = 0; i < shown; i++) sq += (origShown[i] - recShown[i]) ** 2;
  const mse = sq / shown;

  const [rows, cols] = imageShape;
  const layout = fitTiles(2, count, rows, cols, 8, 720, 420, 8);
  const { tileW, tileH, gap, width, height } = layout;
  const raster = new Raster(width, height);
  const lut = grayLut();
  for (let i = 0; i < count; i++) {
    const x = i * (tileW + gap);
    raster.paintImage(x, 0, tileW, tileH, origShown, i * pixels, rows, cols, lo, hi, lut);
    raster.paintImage(x, tileH + gap, tileW, tileH, recShown, i * pixels, rows, cols, lo, hi, lut);
  }

  const title = opts.title ?? 'Reconstructions';
  const scaleNote = unitRange
    ? 'gray scale 0 (black) to 1 (white)'
    : `gray scale ${formatNumber(lo)} (black) to ${formatNumber(hi)} (white)`;
  const cells = [];
  for (let i = 0; i < count; i++) {
    cells.push({ i, row: 'original' }, { i, row: 'reconstruction' });
  }
  const spec: vega.Spec = {
    $schema: 'https://vega.github.io/schema/vega/v6.json',
    width,
    height,
    padding: PADDING,
    autosize: { type: 'pad' },
    config: vegaConfig,
    ...(title === ''
      ? {}
      : {
          title: {
            text: title,
            subtitle: `${count === 1 ? 'Top: an image; bottom: its reconstruction' : `Top: ${count} images; bottom: their reconstructions`}. Mean squared error ${formatNumber(mse)}; ${scaleNote}.`,
          },
        }),
    data: [{ name: 'cells', values: cells }],
    scales: [
      {
        name: 'x',
        type: 'band',
        domain: Array.from({ length: count }, (_, i) => i),
        range: [0, width],
        paddingInner: gap / (tileW + gap),
        paddingOuter: 0,
      },
      {
        name: 'y',
        type: 'band',
        domain: ['original', 'reconstruction'],
        range: [0, height],
        paddingInner: gap / (tileH + gap),
        paddingOuter: 0,
      },
    ],
    axes: [
      {
        orient: 'left',
        scale: 'y',
        domain: false,
        ticks: false,
        labelPadding: 8,
        labelFontSize: 13,
        labelFontWeight: 'bold',
      },
      { orient: 'bottom', scale: 'x', domain: false, ticks: false, labelPadding: 6, title: 'image index' },
    ],
    marks: [
      rasterMark(raster.toDataUrl(), width, height),
      cellBorders('cells', { scale: 'x', field: 'i' }, { scale: 'y', field: 'row' }, '#9a9a9a'),
    ],
  };
  const rendered = await renderVega(spec);
  const [ox, oy] = rendered.plotOrigin;
  const tile = (i: number, row: number): Rect => ({
    x: ox + i * (tileW + gap),
    y: oy + row * (tileH + gap),
    width: tileW,
    height: tileH,
  });
  return {
    ...rendered,
    originalTiles: Array.from({ length: count }, (_, i) => tile(i, 0)),
    reconstructionTiles: Array.from({ length: count }, (_, i) => tile(i, 1)),
  };
}

/**
 * The first `n` (default 10) images above their reconstructions, in gray scale, with row labels
 * and a title. Returns PNG bytes.
 */
export async function reconstructionsPng(opts: ReconstructionsOptions): Promise<Uint8Array> {
  return (await renderReconstructions(opts)).png;
}
