import type { TopLevelSpec } from 'vega-lite';
import { liteHead, type Rendered, renderVegaLite } from './render.js';
import {
  assertFinite,
  assertNonEmpty,
  assertPositiveInt,
  assertSameLength,
  formatNumber,
  type NumericArray,
} from './validate.js';

export interface VectorReconstructionsOptions {
  /** `[numExamples, inputDim]` row-major: examples that are vectors, not images. */
  originals: NumericArray;
  /** Same layout and length: the model's reconstruction of each. */
  reconstructions: NumericArray;
  inputDim: number;
  /** How many examples to show (the first `n`); default 6. */
  n?: number;
  /** Chart title; `''` draws no title. */
  title?: string;
}

/** One panel: which example, and how close its reconstruction is. */
export interface VectorPanel {
  readonly example: number;
  readonly label: string;
  readonly mse: number;
  readonly cosine: number;
}

const FN = 'vectorReconstructionsPng';
const SERIES = ['input', 'reconstruction'];
const COLOURS = ['#4c78a8', '#f58518'];

/** @internal Renders and also returns the panels drawn (for tests). */
export async function renderVectorReconstructions(
  opts: VectorReconstructionsOptions,
): Promise<Rendered & { panels: VectorPanel[] }> {
  const { originals, reconstructions, inputDim: D } = opts;
  const n = opts.n ?? 6;
  assertNonEmpty(FN, 'originals', originals);
  assertSameLength(FN, 'originals', originals, 'reconstructions', reconstructions);
  assertPositiveInt(FN, 'inputDim', D);
  assertPositiveInt(FN, 'n', n);
  if (originals.length % D !== 0)
    throw new RangeError(`${FN}: originals.length=${originals.length} is not a multiple of inputDim=${D}`);
  const count = Math.min(n, originals.length / D);
  assertFinite(
    FN,
    'originals',
    Array.from({ length: count * D }, (_, i) => originals[i]),
  );
  assertFinite(
    FN,
    'reconstructions',
    Array.from({ length: count * D }, (_, i) => reconstructions[i]),
  );

  const values: { label: string; dim: number; series: string; value: number }[] = [];
  const panels: VectorPanel[] = [];
  let sq = 0;
  for (let e = 0; e < count; e++) {
    let ee = 0;
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let d = 0; d < D; d++) {
      const x = originals[e * D + d];
      const y = reconstructions[e * D + d];
      ee += (x - y) ** 2;
      xx += x * x;
      yy += y * y;
      xy += x * y;
    }
    sq += ee;
    const cosine = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
    const label = `example ${e}: cos ${formatNumber(cosine, 3)}`;
    panels.push({ example: e, label, mse: ee / D, cosine });
    for (let d = 0; d < D; d++) {
      values.push({ label, dim: d, series: 'input', value: originals[e * D + d] });
      values.push({ label, dim: d, series: 'reconstruction', value: reconstructions[e * D + d] });
    }
  }
  const title =
    opts.title ?? `First ${count} test example${count === 1 ? '' : 's'} and their reconstructions`;
  const subtitle = `Each panel: one example's ${D} input values (blue) and the model's reconstruction (orange); mean squared error ${formatNumber(sq / (count * D))}`;
  const spec: TopLevelSpec = {
    ...liteHead(title, subtitle),
    data: { values },
    facet: {
      row: {
        field: 'label',
        type: 'nominal',
        sort: panels.map((p) => p.label),
        header: {
          title: null,
          labelAngle: 0,
          labelAlign: 'left',
          labelAnchor: 'start',
          labelOrient: 'top',
          labelFontSize: 12,
          labelPadding: 2,
        },
      },
    },
    spacing: 14,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 620,
      height: Math.max(50, Math.min(90, Math.floor(480 / count))),
      mark: { type: 'line', strokeWidth: 1.5, interpolate: D <= 64 ? 'step' : 'linear' },
      encoding: {
        x: {
          field: 'dim',
          type: 'quantitative',
          title: 'input dimension',
          scale: { domain: [0, Math.max(1, D - 1)], nice: false },
          axis: { tickMinStep: 1, format: 'd' },
        },
        y: { field: 'value', type: 'quantitative', title: 'value', axis: { tickCount: 3 } },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: SERIES, range: COLOURS },
          legend: { orient: 'top', direction: 'horizontal' },
        },
      },
    },
  };
  const rendered = await renderVegaLite(spec);
  return { ...rendered, panels };
}

/**
 * Examples that are vectors (activations, synthetic data) against their reconstructions: one
 * panel per example, its input values and its reconstruction as two lines over the input
 * dimensions, with each panel's cosine. Returns PNG bytes.
 */
export async function vectorReconstructionsPng(opts: VectorReconstructionsOptions): Promise<Uint8Array> {
  return (await renderVectorReconstructions(opts)).png;
}
