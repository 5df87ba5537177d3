import { resolve } from 'node:path';
import { loadBackend } from '@saekit/backends';
import { mmcs, type SaeConfig, type Sparsity, TrainingDivergedError, train } from '@saekit/core';
import { type Command, Option } from 'commander';
import { fraction, int, nonNegative, positive } from '../args.js';
import { loadData } from '../data.js';
import { progressReporter } from '../progress.js';
import {
  checkRunDir,
  metricsDocument,
  type Run,
  type RunInfo,
  startRun,
  writeRun,
  writeRunFigures,
} from '../run-dir.js';
import { checkFlagCombinations, checkMemory, type FlagFacts } from './train-checks.js';

/** Dataset names that are not paths. */
const BUILTIN_DATASETS = ['synthetic', 'mnist', 'fashion-mnist'];

/** Defaults that suit each dataset; every flag overrides them. */
const DEFAULTS = {
  synthetic: { hidden: 256, encoder: 'relu', decoder: 'identity', sparsity: 'l1', weight: 3e-3, epochs: 20 },
  image: { hidden: 64, encoder: 'relu', decoder: 'sigmoid', sparsity: 'kl', weight: 0.1, epochs: 50 },
} as const;

interface TrainFlags {
  dataset: string;
  dataDir?: string;
  cacheDir?: string;
  backend: string;
  epochs?: number;
  batchSize: number;
  hidden?: number;
  encoder?: SaeConfig['encoder'];
  k?: number;
  decoder?: SaeConfig['decoder'];
  sparsity?: Sparsity['kind'];
  sparsityWeight?: number;
  rho: number;
  klClamp: boolean;
  optimizer: 'adam' | 'sgd';
  lr: number;
  seed: number;
  limit?: number;
  out?: string;
  overwrite: boolean;
  maxMemory?: number;
  report: boolean;
  quiet: boolean;
}

export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('train a sparse autoencoder and write its checkpoint, metrics and figures to --out')
    .option('--dataset <name>', 'synthetic | mnist | fashion-mnist | a directory of IDX files', 'synthetic')
    .option(
      '--data-dir <dir>',
      'read MNIST / Fashion-MNIST files from this directory instead of the download cache',
    )
    .option('--cache-dir <dir>', 'download cache (default $SAEKIT_CACHE_DIR or ~/.cache/saekit)')
    .addOption(
      new Option('--backend <name>', 'cpu | tfjs-wasm | tfjs-cpu | onnx | path to a backend module').default(
        'cpu',
      ),
    )
    .option('--epochs <n>', 'epochs (default: 20 synthetic, 50 images)', int(1))
    .option('--batch-size <n>', 'examples per step', int(1), 256)
    .option('--hidden <n>', 'hidden units (default: 256 synthetic, 64 images)', int(1))
    .addOption(new Option('--encoder <act>', 'encoder activation').choices(['relu', 'sigmoid', 'topk']))
    .option('--k <n>', 'active units per example for --encoder topk', int(1))
    .addOption(new Option('--decoder <act>', 'decoder activation').choices(['sigmoid', 'identity']))
    .addOption(new Option('--sparsity <kind>', 'sparsity penalty').choices(['kl', 'l1', 'none']))
    .option(
      '--sparsity-weight <w>',
      'penalty weight (default: 0.003 for l1 on synthetic, 0.001 for l1 on images, 0.1 for kl)',
      nonNegative,
    )
    .option('--rho <r>', 'KL target activation', fraction, 0.05)
    .option(
      '--kl-clamp',
      "cap KL's batch-mean activation below 1: the seed's formula, but finite where it is NaN",
      false,
    )
    .addOption(new Option('--optimizer <kind>', 'optimizer').choices(['adam', 'sgd']).default('adam'))
    .option('--lr <lr>', 'learning rate', positive, 1e-3)
    .option('--seed <n>', 'seed for init, shuffling and synthetic data', int(0), 0)
    .option('--limit <n>', 'use only the first n examples of each split (quick runs)', int(1))
    .option('--out <dir>', 'run directory (default runs/<dataset>-<time>); an existing one is refused')
    .option('--overwrite', 'replace the run already in --out (its files are all removed)', false)
    .option(
      '--max-memory <GB>',
      "refuse a model whose estimated training memory exceeds this (default: this machine's memory)",
      positive,
    )
    .option('--no-report', 'skip the figures and index.html')
    .option('--quiet', 'print only errors and the final line', false)
    .action(async (f: TrainFlags, cmd: Command) =>
      runTrain(f, (flag) => cmd.getOptionValueSource(flag) === 'cli'),
    );
}

async function runTrain(f: TrainFlags, given: FlagFacts['given']): Promise<void> {
  const log = (s: string) => (f.quiet ? undefined : process.stderr.write(`${s}\n`));
  const synthetic = f.dataset === 'synthetic';
  const d = synthetic ? DEFAULTS.synthetic : DEFAULTS.image;
  const sparsityKind = f.sparsity ?? d.sparsity;
  const hiddenDim = f.hidden ?? d.hidden;
  const encoder = f.encoder ?? d.encoder;
  checkFlagCombinations({
    given,
    dataset: f.dataset,
    encoder,
    sparsity: sparsityKind,
    k: f.k,
    hidden: hiddenDim,
  });
  const weight = f.sparsityWeight ?? (sparsityKind === 'l1' && !synthetic ? 1e-3 : d.weight);
  const sparsity: Sparsity =
    sparsityKind === 'kl'
      ? { kind: 'kl', rho: f.rho, weight, ...(f.klClamp ? { clamp: true } : {}) }
      : sparsityKind === 'l1'
        ? { kind: 'l1', weight }
        : { kind: 'none' };
  const out = resolve(
    f.out ?? `runs/${f.dataset.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );
  // Before the data and the training: a run that cannot be written is refused at once.
  await checkRunDir(out, { overwrite: f.overwrite });

  const data = await loadData({
    dataset: f.dataset,
    dataDir: f.dataDir,
    cacheDir: f.cacheDir,
    seed: f.seed,
    limit: f.limit,
    log,
  });
  const config: SaeConfig = {
    inputDim: data.splits.train.dim,
    hiddenDim,
    encoder,
    decoder: f.decoder ?? d.decoder,
    sparsity,
    ...(f.k !== undefined ? { k: f.k } : {}),
  };
  checkMemory(config, {
    batchSize: Math.min(f.batchSize, data.splits.train.n),
    evalBatch: Math.min(1000, Math.max(data.splits.test.n, 1)),
    optimizer: f.optimizer,
    maxMemoryGB: f.maxMemory,
  });
  const epochs = f.epochs ?? d.epochs;
  const optimizer =
    f.optimizer === 'adam' ? { kind: 'adam' as const, lr: f.lr } : { kind: 'sgd' as const, lr: f.lr };
  const backend = await loadBackend(f.backend);
  // No undefined fields: the report draws this object as it is and as run.json gives it back.
  const info: RunInfo = {
    dataset: BUILTIN_DATASETS.includes(f.dataset) ? data.name : resolve(f.dataset),
    backend: backend.name,
    epochs,
    batchSize: f.batchSize,
    optimizer,
    seed: f.seed,
    ...(f.limit !== undefined ? { limit: f.limit } : {}),
    ...(f.dataDir ? { dataDir: resolve(f.dataDir) } : {}),
  };

  const progress = progressReporter({ quiet: f.quiet, tty: Boolean(process.stderr.isTTY), log });
  const stop = stopOnSignals(log);
  let result: Awaited<ReturnType<typeof train>>;
  try {
    result = await train(backend, config, data.splits, {
      epochs,
      batchSize: f.batchSize,
      seed: f.seed,
      optimizer,
      onEvent: progress.onEvent,
      signal: stop.signal,
      // Epoch 0 creates the run directory as a unit; later epochs replace its weights.
      onEpochEnd: ({ epoch, params, history }) =>
        epoch === 0
          ? startRun(out, { config, params, info }, { overwrite: f.overwrite })
          : writeRun(out, { config, params, info, state: { status: 'running', epoch, history } }),
    });
  } catch (e) {
    progress.stop();
    stop.dispose();
    if (e instanceof TrainingDivergedError) throw await savedDivergence(e, { config, info }, out);
    throw e;
  }
  progress.stop();
  stop.dispose();
  if (!result.completed) {
    const { epoch, step } = result.stoppedAt;
    await writeRun(out, {
      config,
      params: result.params,
      info,
      state: { status: 'interrupted', epoch, step, history: result.history },
    });
    process.stderr.write(
      `interrupted by ${stop.received} at epoch ${epoch}, step ${step}: checkpoint saved in ${out}\n`,
    );
    process.exit(stop.exitCode());
  }
  const extra: Record<string, unknown> = {};
  if (data.dictionary)
    extra.mmcs = mmcs(
      data.dictionary.data,
      data.dictionary.numFeatures,
      result.params.W_dec,
      config.hiddenDim,
    );
  const run: Run = {
    config,
    params: result.params,
    info,
    metrics: metricsDocument(result.history, result.test, extra),
  };
  await writeRun(out, { ...run, state: { status: 'complete', epoch: epochs } });
  if (f.report) {
    log(`drawing figures into ${out}`);
    // Imported here: drawing loads Vega and resvg, which a --no-report run does not need.
    const { drawReport } = await import('../report/draw.js');
    await writeRunFigures(out, await drawReport({ run, data, forward: backend }));
  }
  const t = result.test;
  const penalty = t.penaltyKind === 'none' ? '' : `  ${t.penaltyKind} ${t.penalty.toFixed(5)}`;
  const mm = extra.mmcs !== undefined ? `  mmcs ${(extra.mmcs as number).toFixed(4)}` : '';
  const perEpoch = result.history.secondsPerEpoch;
  const secs = perEpoch.length ? perEpoch.reduce((a, b) => a + b, 0) / perEpoch.length : 0;
  process.stdout.write(
    `done: test mse ${t.mse.toFixed(5)}${penalty}  total ${t.total.toFixed(5)}  l0 ${t.l0.toFixed(2)}  fvu ${t.fvu.toFixed(4)}  dead ${t.deadUnits}${mm}  (${secs.toFixed(2)} s/epoch) -> ${out}\n`,
  );
}

/**
 * Saves what a diverged run kept (the parameters before the failing step, the history so far) and
 * returns the error to show: the divergence message always, with where it was saved or why not.
 */
export async function savedDivergence(
  e: TrainingDivergedError,
  run: Pick<Run, 'config' | 'info'>,
  out: string,
): Promise<Error> {
  const { config } = run;
  const saved = await writeRun(out, {
    ...run,
    params: e.lastGoodParams,
    metrics: { ...e.history, diverged: { epoch: e.epoch, step: e.step, loss: e.loss } },
    state: { status: 'diverged', epoch: e.epoch, step: e.step - 1, history: e.history },
  }).then(
    () => `last good checkpoint saved in ${out}`,
    (w: Error) => `the last good checkpoint could not be saved (${w.message})`,
  );
  const hint =
    config.sparsity.kind === 'kl' && !config.sparsity.clamp && config.encoder !== 'sigmoid'
      ? " (the seed's KL is NaN once a ReLU unit's batch-mean activation reaches 1: try --kl-clamp, --encoder sigmoid, or a smaller --lr)"
      : ' (try a smaller --lr)';
  return new Error(`${e.message}; ${saved}${hint}`);
}

/**
 * SIGINT / SIGTERM while training: the first stops training after the current step (the caller
 * saves a checkpoint); a second exits at once. Exit codes follow the shell's 128 + signal number.
 */
function stopOnSignals(log: (s: string) => void) {
  const ac = new AbortController();
  let received: NodeJS.Signals | undefined;
  const exitCode = () => (received === 'SIGTERM' ? 143 : 130);
  const handler = (sig: NodeJS.Signals) => {
    if (received) process.exit(exitCode());
    received = sig;
    log(`${sig}: stopping after this step to save a checkpoint (again to quit without saving)`);
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    get received() {
      return received;
    },
    exitCode,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
