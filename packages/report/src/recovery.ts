import type { TopLevelSpec } from 'vega-lite';
import { liteHead, type Rendered, renderVegaLite } from './render.js';
import { assertFinite, assertNonEmpty, formatNumber, type NumericArray } from './validate.js';

export interface FeatureRecoveryOptions {
  /** For each true feature, its best cosine with any learned decoder row, in [-1, 1]. */
  maxCosine: NumericArray;
  /** A feature counts as recovered at or above this cosine; default 0.9. */
  threshold?: number;
  /** Chart title; `''` draws no title. */
  title?: string;
}

const FN = 'featureRecoveryPng';
const WIDTH = 620;
const HEIGHT = 300;

/** What the figure shows, in numbers. */
export interface RecoverySummary {
  /** The cosines, best first: the curve drawn. */
  readonly sorted: number[];
  /** Their mean: the MMCS line. */
  readonly mmcs: number;
  /** How many reach `threshold`. */
  readonly recovered: number;
  readonly threshold: number;
}

export function recoverySummary(maxCosine: NumericArray, threshold = 0.9): RecoverySummary {
  const sorted = Array.from(maxCosine as ArrayLike<number>).sort((a, b) => b - a);
  const mmcs = sorted.reduce((a, v) => a + v, 0) / sorted.length;
  return { sorted, mmcs, recovered: sorted.filter((v) => v >= threshold).length, threshold };
}

/** @internal Renders and also returns what was drawn (for tests). */
export async function renderFeatureRecovery(
  opts: FeatureRecoveryOptions,
): Promise<Rendered & { summary: RecoverySummary }> {
  const { maxCosine } = opts;
  assertNonEmpty(FN, 'maxCosine', maxCosine);
  assertFinite(FN, 'maxCosine', maxCosine);
  for (let i = 0; i < maxCosine.length; i++)
    if (Math.abs(maxCosine[i]) > 1 + 1e-6)
      throw new RangeError(`${FN}: maxCosine[${i}] is ${maxCosine[i]}; a cosine lies in [-1, 1]`);
  const threshold = opts.threshold ?? 0.9;
  if (!(threshold > -1 && threshold <= 1))
    throw new RangeError(`${FN}: threshold must be in (-1, 1], got ${threshold}`);
  const summary = recoverySummary(maxCosine, threshold);
  const { sorted, mmcs, recovered } = summary;
  const F = sorted.length;
  const values = sorted.map((cos, i) => ({ rank: i + 1, cos }));
  const lowest = Math.min(0, sorted[F - 1]);
  const title = opts.title ?? 'Recovery of the true features';
  const subtitle = `${F} true features, each by its best cosine with any decoder row, best first; MMCS ${formatNumber(mmcs)}; ${recovered} of ${F} at or above ${formatNumber(threshold)}`;
  const lines = [
    { y: mmcs, label: `MMCS ${formatNumber(mmcs)}`, color: '#d62728' },
    { y: threshold, label: `${formatNumber(threshold)}`, color: '#888888' },
  ];
  const spec: TopLevelSpec = {
    ...liteHead(title, subtitle, WIDTH, HEIGHT),
    layer: [
      {
        data: { values },
        mark: { type: 'area', line: { color: '#4c78a8', strokeWidth: 2 }, color: '#4c78a8', opacity: 0.25 },
        encoding: {
          x: {
            field: 'rank',
            type: 'quantitative',
            title: 'true feature, by rank (1 = best recovered)',
            scale: { domain: [1, Math.max(2, F)], nice: false },
            axis: { tickMinStep: 1, format: 'd' },
          },
          y: {
            field: 'cos',
            type: 'quantitative',
            title: 'max cosine with a decoder row',
            scale: { domain: [lowest, 1], nice: false },
          },
        },
      },
      {
        data: { values: lines },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
            encoding: {
              y: { field: 'y', type: 'quantitative' },
              color: { field: 'color', type: 'nominal', scale: null },
            },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'middle', x: 'width', dx: 6, fontSize: 12 },
            encoding: {
              y: { field: 'y', type: 'quantitative' },
              text: { field: 'label', type: 'nominal' },
              color: { field: 'color', type: 'nominal', scale: null },
            },
          },
        ],
      },
    ],
  };
  const rendered = await renderVegaLite(spec);
  return { ...rendered, summary };
}

/**
 * How well an SAE recovered known features (synthetic data): each true feature's best cosine with
 * any decoder row, sorted best first, with the mean (MMCS) and the recovery threshold marked.
 * Returns PNG bytes.
 */
export async function featureRecoveryPng(opts: FeatureRecoveryOptions): Promise<Uint8Array> {
  return (await renderFeatureRecovery(opts)).png;
}
