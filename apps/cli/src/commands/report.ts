import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadBackend } from '@saekit/conformance/backends';
import { type Backend, forwardDataset, type SaeConfig, type SaeParams } from '@saekit/core';
import { loadCheckpoint } from '@saekit/core/node';
import {
  featuresPng,
  indexHtml,
  latentScatterPng,
  lossPng,
  meanActivationPng,
  reconstructionsPng,
  writeFigures,
} from '@saekit/report';
import type { Command } from 'commander';
import { pair } from '../args.js';
import { type LoadedData, loadData } from '../data.js';
import { RUN_FILES, type RunInfo } from '../run-dir.js';

interface RunMetrics {
  trainLossPerEpoch: number[];
  testLossPerEpoch?: number[];
  secondsPerEpoch?: number[];
  test: Record<string, unknown> & { meanActivation: number[] };
}

/** Reads and checks metrics.json, naming the file and each missing or malformed field. */
async function readMetrics(dir: string): Promise<RunMetrics> {
  const path = join(dir, RUN_FILES.metrics);
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      e.code === 'ENOENT' ? `${path}: not found (was the run finished?)` : `${path}: ${e.message}`,
    );
  });
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  const problems: string[] = [];
  const isNums = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'number' || x === null);
  if (!isNums(m.trainLossPerEpoch)) problems.push('"trainLossPerEpoch" (an array of numbers)');
  const test = m.test as Record<string, unknown> | undefined;
  if (!test || typeof test !== 'object') problems.push('"test" (an object)');
  else {
    if (!isNums(test.meanActivation)) problems.push('"test.meanActivation" (an array of numbers)');
    for (const k of ['mse', 'total'])
      if (typeof test[k] !== 'number') problems.push(`"test.${k}" (a number)`);
  }
  if (problems.length) throw new Error(`${path}: missing or malformed ${problems.join(', ')}`);
  return m as unknown as RunMetrics;
}

export interface ReportOptions {
  readonly backend: Backend;
  /** The run's data; loaded from run.json when absent. */
  readonly data?: LoadedData;
  readonly dims?: [number, number];
  /** Where the run's IDX files are now, if not where run.json says. */
  readonly dataDir?: string;
  readonly encoderFeatures?: boolean;
  readonly log: (s: string) => void;
}

/** The two units to scatter: the pair with the largest variance over the examples. */
function busiestUnits(hidden: Float32Array, n: number, H: number): [number, number] {
  const mean = new Float64Array(H);
  const sq = new Float64Array(H);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < H; j++) {
      const v = hidden[i * H + j];
      mean[j] += v;
      sq[j] += v * v;
    }
  }
  const variance = Array.from(mean, (m, j) => sq[j] / n - (m / n) ** 2);
  const order = [...variance.keys()].sort((a, b) => variance[b] - variance[a]);
  return H === 1 ? [0, 0] : [order[0], order[1]];
}

/** W_enc [D, H] as one row per unit [H, D], each row scaled to unit norm (UFLDL's visualisation). */
function encoderRows(config: SaeConfig, p: SaeParams): Float32Array {
  const { inputDim: D, hiddenDim: H } = config;
  const out = new Float32Array(H * D);
  for (let j = 0; j < H; j++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += p.W_enc[d * H + j] ** 2;
    const inv = 1 / (Math.sqrt(s) || 1);
    for (let d = 0; d < D; d++) out[j * D + d] = p.W_enc[d * H + j] * inv;
  }
  return out;
}

/** Draws every figure of a run directory and its index.html. */
export async function writeReport(dir: string, o: ReportOptions): Promise<string[]> {
  const { config, params } = await loadCheckpoint(dir);
  const metrics = await readMetrics(dir);
  const info = JSON.parse(
    await readFile(join(dir, RUN_FILES.run), 'utf8').catch(() => '{}'),
  ) as Partial<RunInfo>;
  const data =
    o.data ??
    (await loadData({
      dataset: info.dataset ?? 'synthetic',
      dataDir: o.dataDir ?? info.dataDir,
      seed: info.seed ?? 0,
      limit: info.limit,
      log: o.log,
    }));
  const { train, test } = data.splits;
  if (train.dim !== config.inputDim) {
    throw new Error(
      `report: the run's data (${train.name}) has ${train.dim} features, the model takes ${config.inputDim}`,
    );
  }
  o.log(`drawing figures into ${dir}`);
  const H = config.hiddenDim;
  const D = config.inputDim;
  const shown = Math.min(10, test.n);
  const { recon } = await forwardDataset(o.backend, config, params, test.x.subarray(0, shown * D), shown, [
    'recon',
  ]);
  const { hidden } = await forwardDataset(o.backend, config, params, train.x, train.n, ['hidden']);
  const dims = o.dims ?? busiestUnits(hidden, train.n, H);
  for (const d of dims)
    if (d >= H) throw new Error(`report: --dims ${dims.join(',')}: the model has ${H} hidden units`);
  const x = new Float32Array(train.n);
  const y = new Float32Array(train.n);
  for (let i = 0; i < train.n; i++) {
    x[i] = hidden[i * H + dims[0]];
    y[i] = hidden[i * H + dims[1]];
  }
  const image = test.imageShape ? ([...test.imageShape] as [number, number]) : undefined;
  const sp = config.sparsity;
  const figures: Record<string, Uint8Array | string> = {};
  const captions: { file: string; caption: string }[] = [];
  const add = (file: string, png: Uint8Array, caption: string) => {
    figures[file] = png;
    captions.push({ file, caption });
  };
  if (image) {
    add(
      'reconstructions.png',
      await reconstructionsPng({
        originals: test.x.subarray(0, shown * D),
        reconstructions: recon,
        imageShape: image,
        n: shown,
      }),
      'Test images (top) and their reconstructions (bottom).',
    );
  } else {
    add(
      'reconstructions.png',
      await featuresPng({
        weights: Float32Array.from([...test.x.subarray(0, shown * D), ...recon]),
        numUnits: 2 * shown,
        title: `First ${shown} test examples, then their reconstructions`,
      }),
      'Rows 0..n-1: test examples; rows n..2n-1: their reconstructions, as a heat map.',
    );
  }
  add(
    'latent-scatter.png',
    await latentScatterPng({ x, y, dims, labels: train.labels }),
    `Hidden units ${dims[0]} and ${dims[1]} over the training set${train.labels ? ', coloured by label' : ''}.`,
  );
  add(
    'mean-activation.png',
    await meanActivationPng({
      meanActivation: metrics.test.meanActivation,
      ...(sp.kind === 'kl' ? { rho: sp.rho } : {}),
    }),
    'Mean activation of each hidden unit on the test set.',
  );
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
  add(
    'loss.png',
    await lossPng({
      train: metrics.trainLossPerEpoch,
      test:
        metrics.testLossPerEpoch?.length === metrics.trainLossPerEpoch.length
          ? metrics.testLossPerEpoch
          : undefined,
    }),
    'Mean train loss and test loss per epoch.',
  );
  const table: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(metrics.test))
    if (typeof v === 'number' || typeof v === 'string') table[k] = v;
  if (metrics.secondsPerEpoch?.length)
    table['seconds per epoch'] =
      metrics.secondsPerEpoch.reduce((a, b) => a + b, 0) / metrics.secondsPerEpoch.length;
  figures['index.html'] = indexHtml({
    title: `saekit run: ${data.name}`,
    config: { ...info, config },
    metrics: table,
    figures: captions,
  });
  return writeFigures(dir, figures);
}

export function reportCommand(program: Command): void {
  program
    .command('report')
    .description(
      'draw the figures of a run directory (reconstructions, latent scatter, mean activation, features, loss) and its index.html',
    )
    .argument('<run-dir>', 'a directory written by saekit train')
    .option(
      '--dims <i,j>',
      'the two hidden units of the scatter (default: the two with the largest variance)',
      pair,
    )
    .option('--encoder-features', 'also draw the normalized encoder weights', false)
    .option('--backend <name>', 'backend for the forward passes', 'cpu')
    .option('--data-dir <dir>', "where the run's MNIST files are, if not where the run found them")
    .action(
      async (
        dir: string,
        f: { dims?: [number, number]; encoderFeatures: boolean; backend: string; dataDir?: string },
      ) => {
        const log = (s: string) => process.stderr.write(`${s}\n`);
        const files = await writeReport(dir, {
          backend: await loadBackend(f.backend),
          dataDir: f.dataDir,
          dims: f.dims,
          encoderFeatures: f.encoderFeatures,
          log,
        });
        process.stdout.write(`${files.join('\n')}\n`);
      },
    );
}
