import { join, resolve } from 'node:path';
import type {
  AnySaeConfig,
  DatasetSplits,
  OptimizerConfig,
  SaeConfig,
  SaeParams,
  Sparsity,
  StreamSplits,
  TrainCheckpoint,
} from '@saekit/core';
import { type ActivationTraining, isActivationPath, openActivationTraining } from '../activation-data.js';
import { UsageError } from '../args.js';
import { type LoadedData, loadData } from '../data.js';
import { checkRunDir, RUN_FILES, type RunInfo, readResumable } from '../run-dir.js';
import { acquireRunLock, type RunLock } from '../run-lock.js';
import { RESUME_FLAGS, type TrainFlags } from './train.js';
import { checkArchFlags, modernConfigFromFlags, modernInitialParams, modernOptimizer } from './train-arch.js';
import { checkFlagCombinations, checkMemory } from './train-checks.js';
import { checkCandidates, checkProviders, savedFormulation, trainFormulation } from './train-formulation.js';

/** Dataset names that are not paths. */
const BUILTIN_DATASETS = ['synthetic', 'mnist', 'fashion-mnist'];

/** Defaults that suit each dataset; every flag overrides them. */
const DEFAULTS = {
  synthetic: { hidden: 256, encoder: 'relu', decoder: 'identity', sparsity: 'l1', weight: 3e-3, epochs: 20 },
  activations: { hidden: 256, encoder: 'relu', decoder: 'identity', sparsity: 'l1', weight: 3e-3, epochs: 1 },
  image: { hidden: 64, encoder: 'relu', decoder: 'sigmoid', sparsity: 'kl', weight: 0.1, epochs: 50 },
} as const;

/** Flags that only mean something for activation datasets. */
const ACTIVATION_FLAGS = [
  ['tensor', '--tensor'],
  ['evalFraction', '--eval-fraction'],
  ['evalDataset', '--eval-dataset'],
  ['evalMaxRows', '--eval-max-rows'],
  ['bufferRows', '--buffer-rows'],
  ['normalize', '--normalize'],
  ['excludeOutliers', '--exclude-outliers'],
] as const;

/** Everything a run needs: where it goes, the model, the data, and (resuming) where it was. */
export interface RunPlan {
  readonly out: string;
  readonly config: AnySaeConfig;
  readonly info: RunInfo;
  /** Initial parameters other than the trainer's own draw (b_dec at the geometric median). */
  readonly initial?: SaeParams;
  readonly splits: DatasetSplits | StreamSplits;
  /** In-memory data (the report draws from it; synthetic data has its true features for MMCS). */
  readonly loaded: LoadedData;
  readonly activations?: ActivationTraining;
  readonly resume?: TrainCheckpoint;
  readonly overwrite: boolean;
  readonly lock: RunLock;
}

export async function newRunPlan(
  f: TrainFlags,
  given: (flag: string) => boolean,
  log: (s: string) => void,
): Promise<RunPlan> {
  const isActs = !BUILTIN_DATASETS.includes(f.dataset) && (await isActivationPath(f.dataset));
  for (const [flag, name] of ACTIVATION_FLAGS)
    if (!isActs && given(flag))
      throw new UsageError(
        `${name} applies only to an activation dataset (.npy, .safetensors or a directory of them), not ${f.dataset}`,
      );
  if (isActs && given('limit'))
    throw new UsageError('--limit does not apply to an activation dataset: use --max-steps');
  if (given('evalFraction') && given('evalDataset'))
    throw new UsageError('--eval-fraction and --eval-dataset exclude each other');
  const d = f.dataset === 'synthetic' ? DEFAULTS.synthetic : isActs ? DEFAULTS.activations : DEFAULTS.image;
  const sparsityKind = f.sparsity ?? d.sparsity;
  const hiddenDim = f.hidden ?? d.hidden;
  const encoder = f.encoder ?? d.encoder;
  const decoder = f.decoder ?? d.decoder;
  checkArchFlags(f, given);
  checkProviders(f.backend, f.providers);
  const model = f.arch ? { arch: f.arch } : { encoder };
  const formulation = trainFormulation(model, f.formulation);
  checkCandidates(model, formulation, f.sparseCandidates);
  checkFlagCombinations({
    given,
    dataset: f.dataset,
    encoder,
    sparsity: sparsityKind,
    k: f.arch ? undefined : f.k,
    hidden: hiddenDim,
    arch: f.arch !== undefined,
  });
  if (f.normalize && decoder !== 'identity')
    throw new UsageError(
      `--normalize folds the input scale into the weights, which needs --decoder identity (not ${decoder})`,
    );
  const weight =
    f.sparsityWeight ?? (sparsityKind === 'l1' && !(f.dataset === 'synthetic' || isActs) ? 1e-3 : d.weight);
  const sparsity: Sparsity =
    sparsityKind === 'kl'
      ? { kind: 'kl', rho: f.rho, weight, ...(f.klClamp ? { clamp: true } : {}) }
      : sparsityKind === 'l1'
        ? { kind: 'l1', weight }
        : { kind: 'none' };
  const out = resolve(
    f.out ?? `runs/${f.dataset.replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}`,
  );
  // Before the data and the training: a run that cannot be written, or is in use, is refused at once.
  const lock = await acquireRunLock(out, { breakLock: f.breakLock, log }).catch(async (e: unknown) => {
    // A lock that cannot be made: checkRunDir names the real reason (EROFS, ENOTDIR, …) if it can.
    if (!(e instanceof UsageError)) await checkRunDir(out, { overwrite: f.overwrite });
    throw e;
  });
  return holding(lock, async () => {
    await checkRunDir(out, { overwrite: f.overwrite });
    const spec = {
      ...(f.tensor !== undefined ? { tensor: f.tensor } : {}),
      ...(f.evalDataset !== undefined
        ? { evalDataset: resolve(f.evalDataset) }
        : { evalFraction: f.evalFraction ?? 0.01 }),
      ...(f.evalMaxRows !== undefined ? { evalMaxRows: f.evalMaxRows } : {}),
      bufferRows: f.bufferRows,
    };
    const data = await openData(
      isActs
        ? {
            kind: 'activations',
            path: f.dataset,
            spec,
            seed: f.seed,
            normalise: f.normalize,
            outlierFactor: f.excludeOutliers,
          }
        : {
            kind: 'memory',
            dataset: f.dataset,
            dataDir: f.dataDir,
            cacheDir: f.cacheDir,
            seed: f.seed,
            limit: f.limit,
          },
      log,
    );
    const inputDim = data.loaded.splits.test.dim;
    const acts = data.activations;
    const epochs = f.epochs ?? d.epochs;
    const trainRows = acts ? acts.trainRows : data.loaded.splits.train.n;
    const totalSteps = Math.min(epochs * Math.ceil(trainRows / f.batchSize), f.maxSteps ?? Infinity);
    const config: AnySaeConfig = f.arch
      ? modernConfigFromFlags(f, inputDim, hiddenDim)
      : ({
          inputDim,
          hiddenDim,
          encoder,
          decoder,
          sparsity,
          ...(f.k !== undefined ? { k: f.k } : {}),
        } satisfies SaeConfig);
    const optimizer: OptimizerConfig = f.arch
      ? modernOptimizer(f, totalSteps)
      : f.optimizer === 'adam'
        ? {
            kind: 'adam',
            lr: f.lr,
            ...(f.beta1 !== undefined ? { beta1: f.beta1 } : {}),
            ...(f.beta2 !== undefined ? { beta2: f.beta2 } : {}),
            ...(f.eps !== undefined ? { eps: f.eps } : {}),
          }
        : { kind: 'sgd', lr: f.lr };
    const initial =
      'architecture' in config
        ? modernInitialParams(config, f.seed, acts ? data.splits.test : data.loaded.splits.train, f.initBDec)
        : undefined;
    // No undefined fields: the report draws this object as it is and as run.json gives it back.
    const info: RunInfo = {
      dataset: BUILTIN_DATASETS.includes(f.dataset) ? data.loaded.name : resolve(f.dataset),
      // A module path is kept absolute, so that --resume finds it from any directory.
      backend: /[/\\]/.test(f.backend) ? resolve(f.backend) : f.backend,
      ...(f.providers ? { providers: f.providers } : {}),
      formulation,
      ...(f.sparseCandidates !== undefined ? { sparseCandidates: f.sparseCandidates } : {}),
      epochs,
      batchSize: f.batchSize,
      optimizer: { ...optimizer },
      seed: f.seed,
      ...(f.limit !== undefined ? { limit: f.limit } : {}),
      ...(f.dataDir ? { dataDir: resolve(f.dataDir) } : {}),
      ...(acts ? { activations: spec } : {}),
      ...(acts?.normalisation ? { normalisation: acts.normalisation } : {}),
      checkpointEvery: f.checkpointEvery,
      metricsEvery: f.metricsEvery,
      ...(f.maxSteps !== undefined ? { maxSteps: f.maxSteps } : {}),
    };
    checkMemory(config, {
      batchSize: Math.min(f.batchSize, acts ? acts.trainRows : data.loaded.splits.train.n),
      evalBatch: Math.min(1000, Math.max(data.loaded.splits.test.n, 1)),
      optimizer: f.optimizer,
      maxMemoryGB: f.maxMemory,
      // The mixing buffer, a batch's read scratch, and the held-out rows (normalised and raw).
      ...(acts ? { dataBytes: 4 * acts.dim * (f.bufferRows + f.batchSize + 2 * acts.test.n) } : {}),
    });
    return { out, config, info, ...data, ...(initial ? { initial } : {}), overwrite: f.overwrite, lock };
  });
}

/** `--resume DIR`: the run's own settings from run.json, its state from the training-state file. */
export async function resumePlan(
  f: TrainFlags,
  givenFlags: string[],
  log: (s: string) => void,
): Promise<RunPlan> {
  const extra = givenFlags.filter((n) => !RESUME_FLAGS.includes(n));
  if (extra.length)
    throw new UsageError(
      `--resume continues a run with its own settings; ${extra.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} cannot be given with it`,
    );
  const out = resolve(f.resume as string);
  const lock = await acquireRunLock(out, { breakLock: f.breakLock, log });
  return holding(lock, async () => {
    const { info: saved, config, state, checkpoint } = await readResumable(out);
    if (f.providers) checkProviders(saved.backend, f.providers);
    const info: RunInfo = {
      ...saved,
      formulation: savedFormulation(saved.formulation, join(out, RUN_FILES.run)),
      ...(givenFlags.includes('checkpointEvery') ? { checkpointEvery: f.checkpointEvery } : {}),
      ...(f.providers ? { providers: f.providers } : {}),
    };
    const data = await openData(
      info.activations
        ? {
            kind: 'activations',
            path: info.dataset,
            spec: info.activations,
            seed: info.seed,
            normalise: false,
            normalisation: info.normalisation,
            position: checkpoint.data,
          }
        : {
            kind: 'memory',
            dataset: info.dataset,
            dataDir: info.dataDir,
            seed: info.seed,
            limit: info.limit,
          },
      log,
    );
    log(
      `resuming ${out} (${state.status}) at epoch ${checkpoint.epochDone ? checkpoint.epoch + 1 : checkpoint.epoch}, step ${checkpoint.globalStep} in all`,
    );
    return { out, config, info, ...data, resume: checkpoint, overwrite: false, lock };
  });
}

/** Makes the plan holding the lock; a plan that fails lets the lock go. */
async function holding(lock: RunLock, make: () => Promise<RunPlan>): Promise<RunPlan> {
  try {
    return await make();
  } catch (e) {
    lock.release();
    throw e;
  }
}

type DataSource =
  | {
      kind: 'activations';
      path: string;
      spec: NonNullable<RunInfo['activations']>;
      seed: number;
      normalise: boolean;
      outlierFactor?: number;
      normalisation?: RunInfo['normalisation'];
      position?: TrainCheckpoint['data'];
    }
  | { kind: 'memory'; dataset: string; dataDir?: string; cacheDir?: string; seed: number; limit?: number };

async function openData(
  src: DataSource,
  log: (s: string) => void,
): Promise<Pick<RunPlan, 'splits' | 'loaded' | 'activations'>> {
  if (src.kind === 'memory') {
    const loaded = await loadData({ ...src, log });
    return { splits: loaded.splits, loaded };
  }
  const acts = await openActivationTraining({ ...src, log });
  return {
    splits: { train: acts.train, test: acts.test },
    loaded: { name: src.path, splits: { train: acts.rawTest, test: acts.rawTest } },
    activations: acts,
  };
}
