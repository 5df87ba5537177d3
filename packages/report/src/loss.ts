import type { TopLevelSpec } from 'vega-lite';
import type { Rect } from './raster.js';
import { type Rendered, renderVegaLite } from './render.js';
import { assertNonEmpty, formatNumber } from './validate.js';

export interface LossOptions {
  /** Training loss after each epoch (`train[0]` is epoch 1). */
  train: number[];
  /** Test loss after each epoch; same length as `train`. */
  test?: number[];
  /** Y axis title; default 'loss'. */
  yLabel?: string;
  /** Chart title; `''` draws no title. */
  title?: string;
}

const FN = 'lossPng';

/**
 * Train (and test) loss per epoch as lines with a legend. Non-finite values (a diverged run) are
 * left out of the lines and counted in the subtitle. Returns PNG bytes.
 */
export async function lossPng(opts: LossOptions): Promise<Uint8Array> {
  return (await renderLoss(opts)).png;
}

const WIDTH = 620;
const HEIGHT = 340;

/** @internal Renders and also reports the plot rectangle (for tests). */
export async function renderLoss(opts: LossOptions): Promise<Rendered & { plot: Rect }> {
  const { train, test } = opts;
  assertNonEmpty(FN, 'train', train);
  if (test !== undefined) {
    assertNonEmpty(FN, 'test', test);
    if (test.length !== train.length) {
      throw new RangeError(
        `${FN}: test must have one value per epoch like train, got train.length=${train.length} and test.length=${test.length}`,
      );
    }
  }
  const epochs = train.length;
  const values: { epoch: number; split: string; loss: number }[] = [];
  let dropped = 0;
  const add = (split: string, series: number[]): void => {
    for (let i = 0; i < series.length; i++) {
      const v = series[i];
      if (typeof v === 'number' && Number.isFinite(v)) values.push({ epoch: i + 1, split, loss: v });
      else dropped++;
    }
  };
  add('train', train);
  if (test !== undefined) add('test', test);
  if (values.length === 0) throw new RangeError(`${FN}: no finite loss values to plot`);

  // A flat series (e.g. one epoch) would give a zero-height y domain: pad it.
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const { loss } of values) {
    lo = Math.min(lo, loss);
    hi = Math.max(hi, loss);
  }
  const pad = Math.abs(lo) * 0.1 || 1;
  const yScale = lo === hi ? { domain: [lo - pad, hi + pad], nice: true } : { zero: false, nice: true };

  const last = (series: number[]): string => formatNumber(series[series.length - 1]);
  const parts = [`${epochs} epoch${epochs === 1 ? '' : 's'}`, `final train ${last(train)}`];
  if (test !== undefined) parts.push(`final test ${last(test)}`);
  if (dropped > 0) parts.push(`${dropped} non-finite value${dropped === 1 ? '' : 's'} not drawn`);
  const title = opts.title ?? 'Loss per epoch';
  const splits = test === undefined ? ['train'] : ['train', 'test'];

  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    ...(title === '' ? {} : { title: { text: title, subtitle: parts.join('; ') } }),
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', strokeWidth: 2.5, point: epochs <= 60 ? { size: 40, filled: true } : false },
    encoding: {
      x: {
        field: 'epoch',
        type: 'quantitative',
        title: 'epoch',
        scale: { domain: epochs === 1 ? [0.5, 1.5] : [1, epochs], nice: false },
        axis: { tickMinStep: 1, format: 'd' },
      },
      y: {
        field: 'loss',
        type: 'quantitative',
        title: opts.yLabel ?? 'loss',
        scale: yScale,
      },
      color: {
        field: 'split',
        type: 'nominal',
        title: null,
        scale: { domain: splits, range: ['#1f77b4', '#ff7f0e'].slice(0, splits.length) },
        legend: { orient: 'top-right', symbolStrokeWidth: 3, fillColor: 'white', padding: 6 },
      },
    },
  };
  const rendered = await renderVegaLite(spec);
  const [x0, y0] = rendered.plotOrigin;
  return { ...rendered, plot: { x: x0, y: y0, width: WIDTH, height: HEIGHT } };
}
