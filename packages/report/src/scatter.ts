import type { TopLevelSpec } from 'vega-lite';
import type { Rect } from './raster.js';
import { type Rendered, renderVegaLite } from './render.js';
import { sampleIndices } from './sample.js';
import {
  assertFinite,
  assertNonEmpty,
  assertNonNegativeInt,
  assertPositiveInt,
  assertSameLength,
  type NumericArray,
} from './validate.js';

export interface LatentScatterOptions {
  /** Activation of hidden unit `dims[0]` for each example. */
  x: NumericArray;
  /** Activation of hidden unit `dims[1]` for each example; same length as `x`. */
  y: NumericArray;
  /** Indices of the two hidden units, used in the axis titles. */
  dims: [number, number];
  /** Class label per example (same length as `x`); colours the points with a legend. */
  labels?: NumericArray;
  /** Draw at most this many points, chosen deterministically; default 5000. */
  maxPoints?: number;
  /** Chart title; `''` draws no title. */
  title?: string;
}

const FN = 'latentScatterPng';

const WIDTH = 620;
const HEIGHT = 460;

/** @internal Renders and also reports the plot rectangle (for tests). */
export async function renderLatentScatter(opts: LatentScatterOptions): Promise<Rendered & { plot: Rect }> {
  const { x, y, dims, labels } = opts;
  const maxPoints = opts.maxPoints ?? 5000;
  assertNonEmpty(FN, 'x', x);
  assertNonEmpty(FN, 'y', y);
  assertSameLength(FN, 'x', x, 'y', y);
  if (labels !== undefined) {
    assertNonEmpty(FN, 'labels', labels);
    assertSameLength(FN, 'x', x, 'labels', labels);
    assertFinite(FN, 'labels', labels);
  }
  if (!Array.isArray(dims) || dims.length !== 2) {
    throw new TypeError(
      `${FN}: dims must be [i, j], the two hidden unit indices, got ${JSON.stringify(dims)}`,
    );
  }
  assertNonNegativeInt(FN, 'dims[0]', dims[0]);
  assertNonNegativeInt(FN, 'dims[1]', dims[1]);
  assertPositiveInt(FN, 'maxPoints', maxPoints);
  assertFinite(FN, 'x', x);
  assertFinite(FN, 'y', y);

  const idx = sampleIndices(x.length, maxPoints);
  const values: Record<string, number>[] = new Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k];
    values[k] = labels === undefined ? { a: x[i], b: y[i] } : { a: x[i], b: y[i], label: labels[i] };
  }
  const distinct = labels === undefined ? 0 : new Set(Array.from(labels)).size;
  const shown = idx.length === x.length ? `${x.length} examples` : `${idx.length} of ${x.length} examples`;
  const title = opts.title ?? `Hidden units ${dims[0]} and ${dims[1]}`;

  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title === ''
      ? {}
      : {
          title: {
            text: title,
            subtitle: labels === undefined ? `${shown}` : `${shown}, coloured by label`,
          },
        }),
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'circle', size: 16, opacity: 0.6 },
    encoding: {
      x: {
        field: 'a',
        type: 'quantitative',
        title: `hidden unit ${dims[0]}`,
        scale: { zero: false, nice: true },
      },
      y: {
        field: 'b',
        type: 'quantitative',
        title: `hidden unit ${dims[1]}`,
        scale: { zero: false, nice: true },
      },
      ...(labels === undefined
        ? { color: { value: '#4c78a8' } }
        : {
            color: {
              field: 'label',
              type: 'nominal',
              sort: 'ascending',
              scale: { scheme: distinct <= 10 ? 'category10' : 'tableau20' },
              legend: { title: 'label', symbolOpacity: 1, symbolSize: 100 },
            },
          }),
    },
  };
  const rendered = await renderVegaLite(spec);
  const [x0, y0] = rendered.plotOrigin;
  return { ...rendered, plot: { x: x0, y: y0, width: WIDTH, height: HEIGHT } };
}

/** Two hidden units against each other over a data set, coloured by label. Returns PNG bytes. */
export async function latentScatterPng(opts: LatentScatterOptions): Promise<Uint8Array> {
  return (await renderLatentScatter(opts)).png;
}
