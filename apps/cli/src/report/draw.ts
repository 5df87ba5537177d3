import { type Backend, type ForwardRunner, isModernConfig, maxCosinePerFeature } from '@saekit/core';
import {
  densityHistogramPng,
  featureRecoveryPng,
  featuresPng,
  indexHtml,
  latentScatterPng,
  lossPng,
  meanActivationPng,
  reconstructionsPng,
  vectorReconstructionsPng,
} from '@saekit/report';
import type { LoadedData } from '../data.js';
import type { Run } from '../run-dir.js';
import { featureDensityOf } from './density.js';
import { forwardPasses } from './forward.js';
import { saeBenchRows } from './metrics-table.js';
import { busiestUnits, encoderRows, unitColumns } from './units.js';

export interface ReportInput {
  readonly run: Run;
  /** The run's data (the scatter is over its training split, the reconstructions of its test split). */
  readonly data: LoadedData;
  /**
   * Runs the forward passes: a backend (one forward executable is compiled for the report and
   * disposed), or a runner already compiled for this model (its parameters are set to the run's).
   */
  readonly forward: Backend | ForwardRunner;
  /** The two hidden units of the scatter (default: the two of largest variance). */
  readonly dims?: [number, number];
  readonly encoderFeatures?: boolean;
  /** The interactive page beside the report (`saekit report --web`), linked from index.html. */
  readonly page?: { readonly href: string; readonly how: string };
}

/** Every figure of a run and its index.html, by file name, drawn from what is in memory. */
export async function drawReport(o: ReportInput): Promise<Record<string, Uint8Array | string>> {
  const { config, params, info, metrics } = o.run;
  const { train, test } = o.data.splits;
  if (train.dim !== config.inputDim) {
    throw new Error(
      `report: the run's data (${train.name}) has ${train.dim} features, the model takes ${config.inputDim}`,
    );
  }
  const H = config.hiddenDim;
  const D = config.inputDim;
  const shown = Math.min(10, test.n);
  const originals = test.x.subarray(0, shown * D);
  const { hidden, recon } = await forwardPasses(o.forward, config, params, train, originals, shown);
  const dims = o.dims ?? busiestUnits(hidden, train.n, H);
  for (const d of dims)
    if (d >= H) throw new Error(`report: --dims ${dims.join(',')}: the model has ${H} hidden units`);
  const image = test.imageShape ? ([...test.imageShape] as [number, number]) : undefined;
  const sp = isModernConfig(config) ? undefined : config.sparsity;
  const files: Record<string, Uint8Array | string> = {};
  const captions: { file: string; caption: string }[] = [];
  const add = (file: string, png: Uint8Array, caption: string) => {
    files[file] = png;
    captions.push({ file, caption });
  };
  if (image) {
    add(
      'reconstructions.png',
      await reconstructionsPng({ originals, reconstructions: recon, imageShape: image, n: shown }),
      'Test images (top) and their reconstructions (bottom).',
    );
  } else {
    const n = Math.min(6, shown);
    add(
      'reconstructions.png',
      await vectorReconstructionsPng({ originals, reconstructions: recon, inputDim: D, n }),
      `The first ${n} test examples: each one's input values and its reconstruction, over the input dimensions.`,
    );
  }
  add(
    'latent-scatter.png',
    await latentScatterPng({ ...unitColumns(hidden, train.n, H, dims), dims, labels: train.labels }),
    `Hidden units ${dims[0]} and ${dims[1]} over the training set${train.labels ? ', coloured by label' : ''}.`,
  );
  add(
    'mean-activation.png',
    await meanActivationPng({
      meanActivation: metrics.test.meanActivation,
      ...(sp?.kind === 'kl' ? { rho: sp.rho } : {}),
    }),
    'Mean activation of each hidden unit on the test set.',
  );
  const density = featureDensityOf(metrics.test, hidden, train.n, H);
  add(
    'feature-density.png',
    await densityHistogramPng({ density: density.density, examples: density.examples }),
    `How often each latent fires: log10 of the fraction of ${density.split} examples on which it is active.`,
  );
  const dict = o.data.dictionary;
  if (dict) {
    add(
      'feature-recovery.png',
      await featureRecoveryPng({
        maxCosine: maxCosinePerFeature(dict.data, dict.numFeatures, params.W_dec, H),
      }),
      "How well each of the data's true features was recovered: its best cosine with any decoder row.",
    );
  } else {
    add(
      'features.png',
      await featuresPng({
        weights: params.W_dec,
        numUnits: H,
        imageShape: image,
        title: 'Decoder weights of each hidden unit',
      }),
      "Each hidden unit's decoder weights (what it writes back).",
    );
  }
  if (o.encoderFeatures) {
    add(
      'encoder-features.png',
      await featuresPng({
        weights: encoderRows(config, params),
        numUnits: H,
        imageShape: image,
        title: 'Normalized encoder weights',
      }),
      "Each hidden unit's encoder weights, scaled to unit norm (what it responds to).",
    );
  }
  const trainLoss = metrics.trainLossPerEpoch;
  add(
    'loss.png',
    await lossPng({
      train: trainLoss,
      test: metrics.testLossPerEpoch?.length === trainLoss.length ? metrics.testLossPerEpoch : undefined,
    }),
    'Mean train loss and test loss per epoch.',
  );
  files['index.html'] = indexHtml({
    title: `saekit run: ${o.data.name}`,
    config: { ...info, config },
    metrics: metricsTable(o.run),
    figures: captions,
    ...(o.page ? { page: o.page } : {}),
  });
  return files;
}

/**
 * The index page's metrics: every number or string of the test metrics, SAEBench's (prefixed
 * `saebench`), and seconds per epoch.
 */
function metricsTable({ metrics }: Run): Record<string, number | string> {
  const table: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(metrics.test))
    if (typeof v === 'number' || typeof v === 'string') table[k] = v;
  for (const [k, v] of saeBenchRows(metrics.test.saebench)) table[`saebench ${k}`] = v;
  const secs = metrics.secondsPerEpoch;
  if (secs?.length) table['seconds per epoch'] = secs.reduce((a, b) => a + b, 0) / secs.length;
  return table;
}
