import type { TopLevelSpec } from 'vega-lite';
import { liteHead, type Rendered, renderVegaLite } from './render.js';
import {
  assertFinite,
  assertNonEmpty,
  assertPositiveInt,
  formatNumber,
  type NumericArray,
} from './validate.js';

export interface DensityHistogramOptions {
  /** Fraction of examples on which each latent is active (> 0), in [0, 1]: SAEBench's featureDensity. */
  density: NumericArray;
  /** Examples the densities were counted on: the axis then starts at log10(1/examples), the rarest possible. */
  examples?: number;
  /** Chart title; `''` draws no title. */
  title?: string;
}

/** One bar: latents with log10(density) in (lo, hi] (the first bin also holds lo). */
export interface DensityBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
}

const FN = 'densityHistogramPng';
const WIDTH = 620;
const HEIGHT = 300;

/**
 * The bins of log10(density) for the alive latents, from a whole bin at or below the rarest
 * (or log10(1/examples)) up to 0; the bin width keeps the count near 20–40. Dead latents (density 0)
 * have no logarithm and are counted apart.
 */
export function densityBins(density: NumericArray, examples?: number): { bins: DensityBin[]; dead: number } {
  const logs: number[] = [];
  let dead = 0;
  let rarest = Math.min(examples ? Math.log10(1 / examples) : 0, -1);
  for (let i = 0; i < density.length; i++) {
    if (density[i] === 0) dead++;
    else logs.push(Math.log10(density[i]));
    if (density[i] > 0) rarest = Math.min(rarest, logs[logs.length - 1]);
  }
  const span = -rarest;
  const width = span <= 2 ? 0.1 : span <= 5 ? 0.2 : 0.5;
  const nb = Math.ceil(span / width - 1e-9);
  const lo = -nb * width;
  const counts = new Array<number>(nb).fill(0);
  // Closed on the right, as freq_over_1_percent is strict: density 0.01 is left of the 1% line.
  // The slack keeps a value on an edge (log10(0.01) = -2) in the bin it ends despite rounding.
  for (const v of logs) counts[Math.max(0, Math.ceil((v - lo) / width - 1e-9) - 1)]++;
  const edge = (i: number) => Number((lo + i * width).toFixed(6));
  return { bins: counts.map((count, i) => ({ lo: edge(i), hi: edge(i + 1), count })), dead };
}

/** @internal Renders and also returns the bins drawn (for tests). */
export async function renderDensityHistogram(
  opts: DensityHistogramOptions,
): Promise<Rendered & { bins: DensityBin[]; dead: number }> {
  const { density, examples } = opts;
  assertNonEmpty(FN, 'density', density);
  assertFinite(FN, 'density', density);
  for (let i = 0; i < density.length; i++)
    if (density[i] < 0 || density[i] > 1)
      throw new RangeError(`${FN}: density[${i}] is ${density[i]}; a density is a fraction in [0, 1]`);
  if (examples !== undefined) assertPositiveInt(FN, 'examples', examples);
  const { bins, dead } = densityBins(density, examples);
  const H = density.length;
  const alive = H - dead;
  const over = (t: number) => Array.from(density as ArrayLike<number>).filter((d) => d > t).length;
  const subtitle = [
    `${H} latents${examples ? ` on ${examples} examples` : ''}: ${alive} alive, ${dead} dead (density 0, not drawn)`,
    `dashed: 1% (${over(0.01)} latents above) and 10% (${over(0.1)} above)`,
  ].join('; ');
  const title = opts.title ?? 'Feature density (log10)';
  const lo = bins[0].lo;
  const spec: TopLevelSpec = {
    ...liteHead(title, subtitle, WIDTH, HEIGHT),
    layer: [
      {
        data: { values: bins },
        mark: { type: 'rect', color: '#4c78a8', stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: {
            field: 'lo',
            type: 'quantitative',
            title: 'log10(fraction of examples on which the latent is active)',
            scale: { domain: [lo, 0], nice: false },
            axis: { tickMinStep: 0.5 },
          },
          x2: { field: 'hi' },
          y: {
            field: 'count',
            type: 'quantitative',
            title: 'latents',
            axis: { tickMinStep: 1, format: 'd' },
          },
        },
      },
      {
        data: {
          values: [-2, -1]
            .filter((v) => v > lo)
            .map((v) => ({ v, label: `${formatNumber(10 ** v * 100)}%` })),
        },
        layer: [
          {
            mark: { type: 'rule', color: '#d62728', strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: { x: { field: 'v', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', color: '#d62728', y: 0, dy: -6, baseline: 'bottom', fontSize: 12 },
            encoding: {
              x: { field: 'v', type: 'quantitative' },
              text: { field: 'label', type: 'nominal' },
            },
          },
        ],
      },
    ],
  };
  const rendered = await renderVegaLite(spec);
  return { ...rendered, bins, dead };
}

/**
 * A histogram of log10(feature density) over the latents (SAELens' and SAEBench's sparsity view),
 * with the 1% and 10% lines of freq_over_1_percent / freq_over_10_percent; dead latents are
 * counted in the subtitle. Returns PNG bytes.
 */
export async function densityHistogramPng(opts: DensityHistogramOptions): Promise<Uint8Array> {
  return (await renderDensityHistogram(opts)).png;
}
