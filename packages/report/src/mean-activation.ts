import type { TopLevelSpec } from 'vega-lite';
import type { Rect } from './raster.js';
import { liteHead, type Rendered, renderVegaLite } from './render.js';
import { assertFinite, assertNonEmpty, formatNumber, type NumericArray } from './validate.js';

export interface MeanActivationOptions {
  /** Mean activation of each hidden unit over a data set. */
  meanActivation: NumericArray;
  /** Target sparsity; draws a dashed reference line at this value when given. */
  rho?: number;
  /** Chart title; `''` draws no title. */
  title?: string;
}

const FN = 'meanActivationPng';

/** Unit indices to label on the x axis: all of them when few, else multiples of a round step. */
export function unitTickValues(n: number, maxLabels = 20): number[] {
  if (n <= maxLabels) return Array.from({ length: n }, (_, i) => i);
  // The smallest of 1, 2, 5, 10, 20, 50, … that keeps the label count within maxLabels.
  let step = 1;
  for (let i = 0; Math.ceil(n / step) > maxLabels; i++) step = [1, 2, 5][i % 3] * 10 ** Math.floor(i / 3);
  const out: number[] = [];
  for (let i = 0; i < n; i += step) out.push(i);
  return out;
}

const WIDTH = 680;
const HEIGHT = 320;

/** @internal Renders and also reports the plot rectangle (for tests). */
export async function renderMeanActivation(opts: MeanActivationOptions): Promise<Rendered & { plot: Rect }> {
  const { meanActivation, rho } = opts;
  assertNonEmpty(FN, 'meanActivation', meanActivation);
  assertFinite(FN, 'meanActivation', meanActivation);
  if (rho !== undefined && !Number.isFinite(rho))
    throw new RangeError(`${FN}: rho must be finite, got ${rho}`);

  const n = meanActivation.length;
  const values: { unit: number; mean: number }[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    values.push({ unit: i, mean: meanActivation[i] });
    sum += meanActivation[i];
  }
  const title = opts.title ?? 'Mean activation per hidden unit';
  const subtitle =
    `${n} hidden units; average ${formatNumber(sum / n)}` +
    (rho === undefined ? '' : `; target ρ = ${formatNumber(rho)}`);

  const spec: TopLevelSpec = {
    ...liteHead(title, subtitle, WIDTH, HEIGHT),
    layer: [
      {
        data: { values },
        mark: { type: 'bar', color: '#4c78a8' },
        encoding: {
          x: {
            field: 'unit',
            type: 'ordinal',
            title: 'hidden unit',
            sort: null,
            scale: { paddingInner: n <= 64 ? 0.15 : 0, paddingOuter: n <= 64 ? 0.1 : 0 },
            axis: { values: unitTickValues(n), labelAngle: 0, ticks: true },
          },
          y: { field: 'mean', type: 'quantitative', title: 'mean activation' },
        },
      },
      ...(rho === undefined
        ? []
        : [
            {
              data: { values: [{ rho, label: `ρ = ${formatNumber(rho)}` }] },
              layer: [
                {
                  mark: { type: 'rule' as const, color: '#d62728', strokeDash: [6, 4], strokeWidth: 2 },
                  encoding: { y: { field: 'rho', type: 'quantitative' as const } },
                },
                {
                  // Beside the plot's right edge, clear of the bars.
                  mark: {
                    type: 'text' as const,
                    align: 'left' as const,
                    baseline: 'middle' as const,
                    x: 'width' as const,
                    dx: 6,
                    color: '#d62728',
                    fontSize: 12,
                  },
                  encoding: {
                    y: { field: 'rho', type: 'quantitative' as const },
                    text: { field: 'label', type: 'nominal' as const },
                  },
                },
              ],
            },
          ]),
    ],
  };
  const rendered = await renderVegaLite(spec);
  const [x0, y0] = rendered.plotOrigin;
  return { ...rendered, plot: { x: x0, y: y0, width: WIDTH, height: HEIGHT } };
}

/** One bar per hidden unit: its mean activation, with the target `rho` as a reference line. Returns PNG bytes. */
export async function meanActivationPng(opts: MeanActivationOptions): Promise<Uint8Array> {
  return (await renderMeanActivation(opts)).png;
}
