import type * as vega from 'vega';
import { fitTiles, gridFor, Raster, type Rect, schemeLut } from './raster.js';
import { cellBorders, PADDING, type Rendered, rasterMark, renderVega, vegaConfig } from './render.js';
import {
  assertFinite,
  assertNonEmpty,
  assertPositiveInt,
  checkImageShape,
  type NumericArray,
} from './validate.js';

export interface FeaturesOptions {
  /** `[numUnits, inputDim]` row-major: one row per hidden unit (e.g. its decoder weights). */
  weights: NumericArray;
  /** `[rows, cols]` with rows*cols = inputDim: draw each unit as an image tile. Without it: a heat map. */
  imageShape?: [number, number];
  /** Number of hidden units; required without `imageShape` (with it, inferred and checked if given). */
  numUnits?: number;
  /** Chart title; default 'Learned features'; `''` draws no title. */
  title?: string;
  /**
   * Colour scaling. 'per-unit' (default): each unit is divided by its own max |w|, so every tile
   * or heat-map row uses the full colour range. 'global': one symmetric scale for all units, so
   * magnitudes compare across units.
   */
  normalize?: 'per-unit' | 'global';
}

const FN = 'featuresPng';
/** Diverging scale: negative blue, zero near white, positive red. */
const SCHEME = 'redblue';
const MAX_PLOT = 640;

/**
 * @internal Renders and also reports the data rectangle and where each unit's tile landed (image
 * mode only; for tests).
 */
export async function renderFeatures(
  opts: FeaturesOptions,
): Promise<Rendered & { plot: Rect; tiles: Rect[] }> {
  const { weights, imageShape } = opts;
  const normalize = opts.normalize ?? 'per-unit';
  assertNonEmpty(FN, 'weights', weights);
  if (normalize !== 'per-unit' && normalize !== 'global') {
    throw new RangeError(`${FN}: normalize must be 'per-unit' or 'global', got ${JSON.stringify(normalize)}`);
  }
  let inputDim: number;
  let numUnits: number;
  if (imageShape !== undefined) {
    inputDim = checkImageShape(FN, imageShape);
    if (weights.length % inputDim !== 0) {
      throw new RangeError(
        `${FN}: weights.length=${weights.length} is not a multiple of rows*cols=${inputDim} (imageShape [${imageShape[0]}, ${imageShape[1]}])`,
      );
    }
    numUnits = weights.length / inputDim;
    if (opts.numUnits !== undefined && opts.numUnits !== numUnits) {
      throw new RangeError(
        `${FN}: numUnits=${opts.numUnits} but weights hold ${numUnits} units of ${inputDim} values`,
      );
    }
  } else {
    if (opts.numUnits === undefined) {
      throw new TypeError(
        `${FN}: give imageShape (image tiles) or numUnits (heat map) to know the weights' shape`,
      );
    }
    numUnits = opts.numUnits;
    assertPositiveInt(FN, 'numUnits', numUnits);
    if (weights.length % numUnits !== 0) {
      throw new RangeError(
        `${FN}: weights.length=${weights.length} is not a multiple of numUnits=${numUnits}`,
      );
    }
    inputDim = weights.length / numUnits;
  }
  assertFinite(FN, 'weights', weights);

  // Per-unit (or global) symmetric ranges: [-scale, scale] maps onto the diverging scheme.
  const scales = new Float64Array(numUnits);
  let globalMax = 0;
  for (let u = 0; u < numUnits; u++) {
    let m = 0;
    for (let k = u * inputDim; k < (u + 1) * inputDim; k++) m = Math.max(m, Math.abs(weights[k]));
    scales[u] = m;
    globalMax = Math.max(globalMax, m);
  }
  if (normalize === 'global') scales.fill(globalMax);
  const lut = schemeLut(SCHEME, true);
  const legendMax = normalize === 'global' ? globalMax || 1 : 1;
  const legendTitle = normalize === 'global' ? 'weight' : 'w / max |w|';
  const colorScale: vega.Scale = {
    name: 'color',
    type: 'linear',
    domain: [-legendMax, legendMax],
    range: { scheme: SCHEME },
    reverse: true,
    zero: false,
    nice: false,
  };
  const legend: vega.Legend = {
    fill: 'color',
    type: 'gradient',
    title: legendTitle,
    gradientLength: 200,
    gradientThickness: 14,
    values: normalize === 'global' ? [-legendMax, 0, legendMax] : [-1, 0, 1],
    format: normalize === 'global' ? '.3~g' : 'd',
  };
  const title = opts.title ?? 'Learned features';
  const scaleNote =
    normalize === 'global' ? 'one colour scale for all units' : 'each unit scaled to its own max |w|';

  if (imageShape !== undefined) {
    const [rows, cols] = imageShape;
    const [gridRows, gridCols] = gridFor(numUnits, rows, cols);
    const gap = 2;
    const layout = fitTiles(gridRows, gridCols, rows, cols, gap, MAX_PLOT, MAX_PLOT, 8);
    const { tileW, tileH, width, height } = layout;
    const raster = new Raster(width, height);
    const tiles: { u: number; r: number; c: number }[] = [];
    for (let u = 0; u < numUnits; u++) {
      const r = Math.floor(u / gridCols);
      const c = u % gridCols;
      tiles.push({ u, r, c });
      const s = scales[u] || 1;
      raster.paintImage(
        c * (tileW + gap),
        r * (tileH + gap),
        tileW,
        tileH,
        weights,
        u * inputDim,
        rows,
        cols,
        -s,
        s,
        lut,
      );
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
              subtitle: `${numUnits} hidden units as ${rows}×${cols} tiles, row by row; ${scaleNote}.`,
            },
          }),
      data: [{ name: 'tiles', values: tiles }],
      scales: [
        {
          name: 'col',
          type: 'band',
          domain: Array.from({ length: gridCols }, (_, c) => c),
          range: [0, width],
          paddingInner: gap / (tileW + gap),
          paddingOuter: 0,
        },
        {
          name: 'row',
          type: 'band',
          domain: Array.from({ length: gridRows }, (_, r) => r),
          range: [0, height],
          paddingInner: gap / (tileH + gap),
          paddingOuter: 0,
        },
        colorScale,
      ],
      axes: [
        {
          orient: 'left',
          scale: 'row',
          title: gridCols > 1 ? 'first unit in row' : 'hidden unit',
          domain: false,
          ticks: false,
          labelPadding: 4,
          labelOverlap: true,
          encode: { labels: { update: { text: { signal: `datum.value * ${gridCols}` } } } },
          values: thin(
            Array.from({ length: gridRows }, (_, r) => r),
            tileH + gap,
          ),
        },
        ...(gridCols > 1
          ? [
              {
                orient: 'bottom' as const,
                scale: 'col',
                title: 'unit = first unit in row + column',
                domain: false,
                ticks: false,
                labelPadding: 4,
                values: thin(
                  Array.from({ length: gridCols }, (_, c) => c),
                  tileW + gap,
                ),
              },
            ]
          : []),
      ],
      legends: [legend],
      marks: [
        rasterMark(raster.toDataUrl(), width, height),
        ...(tileW >= 6 && tileH >= 6
          ? [cellBorders('tiles', { scale: 'col', field: 'c' }, { scale: 'row', field: 'r' }, '#b8b8b8')]
          : []),
      ],
    };
    const rendered = await renderVega(spec);
    const [ox, oy] = rendered.plotOrigin;
    return {
      ...rendered,
      plot: { x: ox, y: oy, width, height },
      tiles: tiles.map(({ r, c }) => ({
        x: ox + c * (tileW + gap),
        y: oy + r * (tileH + gap),
        width: tileW,
        height: tileH,
      })),
    };
  }

  // Heat map: one row per unit, one column per input dimension.
  const cellW = Math.min(24, Math.max(1, Math.floor(MAX_PLOT / inputDim)));
  const cellH = Math.min(24, Math.max(1, Math.floor(480 / numUnits)));
  const width = Math.min(inputDim * cellW, MAX_PLOT);
  const height = Math.min(numUnits * cellH, 480);
  const raster = new Raster(width, height);
  // Each unit on its own scale first, then the whole matrix painted at once: the box filter of
  // paintImage averages units into pixel rows when there are more units than rows, none is dropped.
  const scaled = new Float32Array(numUnits * inputDim);
  for (let u = 0; u < numUnits; u++) {
    const inv = 1 / (scales[u] || 1);
    for (let d = 0; d < inputDim; d++) scaled[u * inputDim + d] = weights[u * inputDim + d] * inv;
  }
  raster.paintImage(0, 0, width, height, scaled, 0, numUnits, inputDim, -1, 1, lut);
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
            subtitle: `${numUnits} hidden units × ${inputDim} input dimensions; ${scaleNote}.`,
          },
        }),
    scales: [
      {
        name: 'x',
        type: 'linear',
        domain: [-0.5, inputDim - 0.5],
        range: [0, width],
        zero: false,
        nice: false,
      },
      {
        name: 'y',
        type: 'linear',
        domain: [-0.5, numUnits - 0.5],
        range: [0, height],
        zero: false,
        nice: false,
      },
      colorScale,
    ],
    axes: [
      { orient: 'left', scale: 'y', title: 'hidden unit', tickMinStep: 1, format: 'd', tickCount: 10 },
      { orient: 'bottom', scale: 'x', title: 'input dimension', tickMinStep: 1, format: 'd', tickCount: 10 },
    ],
    legends: [legend],
    marks: [rasterMark(raster.toDataUrl(), width, height)],
  };
  const rendered = await renderVega(spec);
  const [ox, oy] = rendered.plotOrigin;
  return { ...rendered, plot: { x: ox, y: oy, width, height }, tiles: [] };
}

/** Keep every k-th axis value so labels at least ~18 px apart do not collide. */
function thin(values: number[], stepPx: number): number[] {
  const every = Math.max(1, Math.ceil(18 / stepPx));
  return values.filter((_, i) => i % every === 0);
}

/**
 * The learned features: with `imageShape`, one tile per hidden unit (its weight row reshaped to
 * rows×cols) in a grid; without, a units × input-dimensions heat map. Diverging colours (blue
 * negative, red positive) with a legend. Returns PNG bytes.
 */
export async function featuresPng(opts: FeaturesOptions): Promise<Uint8Array> {
  return (await renderFeatures(opts)).png;
}
