import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  type AnySaeConfig,
  CHECKPOINT_FILES,
  type SaeMetrics,
  type SaeParams,
  type TrainCheckpoint,
  type TrainHistory,
} from '@saekit/core';
import { loadCheckpoint, saveCheckpoint, writeFileAtomic } from '@saekit/core/node';
import type { ActivationSpec, Normalisation } from './activation-data.js';
import { UsageError } from './args.js';
import { metricsJson, parseMetricsJson } from './json.js';
import { decodeTrainState, encodeTrainState } from './train-state-file.js';

export { metricsJson, parseMetricsJson } from './json.js';

// The one module that reads and writes a run directory; every file is written atomically.

/** The files of a run directory (the figures are named by the report that draws them). */
export const RUN_FILES = Object.freeze({
  ...CHECKPOINT_FILES,
  run: 'run.json',
  metrics: 'metrics.json',
  /** The whole training state for --resume (removed when the run completes). */
  trainState: 'train_state.safetensors',
});

/** run.json: how the run was made (and its config, under `config`). */
export interface RunInfo {
  readonly dataset: string;
  readonly backend: string;
  /** onnx: ONNX Runtime execution providers in order of preference (default cpu). */
  readonly providers?: readonly string[];
  /** TopK family: how the step graph is built (absent in runs made before it was chosen: dense). */
  readonly formulation?: 'dense' | 'sparse';
  /** batchtopk family, sparse: candidates per row, when not the default. */
  readonly sparseCandidates?: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: Record<string, unknown>;
  readonly seed: number;
  readonly limit?: number;
  readonly dataDir?: string;
  /** Activation datasets: how they are read, and the input normalisation folded into the weights. */
  readonly activations?: ActivationSpec;
  readonly normalisation?: Normalisation;
  readonly checkpointEvery?: number;
  readonly metricsEvery?: number;
  readonly maxSteps?: number;
}

/**
 * run.json's `state`: where the run is. A directory whose state is not `complete` is an
 * unfinished run; its weights are the checkpoint named here (cfg.json never changes in a run).
 */
export interface RunState {
  readonly status: 'running' | 'interrupted' | 'diverged' | 'complete';
  /** The checkpoint's position: after `step` of `epoch` (epoch 0: the initial parameters). */
  readonly epoch: number;
  readonly step?: number;
  /** Steps in all, across epochs. */
  readonly globalStep?: number;
  readonly history?: TrainHistory;
}

/** metrics.json, as far as the report reads it. */
export interface RunMetrics {
  readonly trainLossPerEpoch: number[];
  readonly testLossPerEpoch?: number[];
  readonly secondsPerEpoch?: number[];
  readonly test: Record<string, unknown> & { meanActivation: number[] };
}

/** A run in memory: what `train` has in hand, and what `readRun` gives back. */
export interface Run {
  readonly config: AnySaeConfig;
  readonly params: SaeParams;
  /** Empty for a bare checkpoint without run.json. */
  readonly info: Partial<RunInfo>;
  readonly metrics: RunMetrics;
}

export function metricsDocument(
  history: TrainHistory,
  test: SaeMetrics,
  extra: Record<string, unknown>,
): RunMetrics {
  return {
    ...history,
    test: {
      mse: test.mse,
      ...(test.penaltyKind !== 'none' ? { [test.penaltyKind]: test.penalty } : {}),
      penalty: test.penalty,
      penaltyKind: test.penaltyKind,
      total: test.total,
      l0: test.l0,
      fvu: test.fvu,
      deadUnits: test.deadUnits,
      meanActivation: test.meanActivation,
      ...extra,
    },
  };
}

/**
 * Writes a whole run: checkpoint, metrics.json, then run.json with its state (last, so a state
 * never names files that are not there yet). Metrics may be a partial document (a diverged run's
 * history) or absent.
 */
export async function writeRun(
  dir: string,
  run: Omit<Run, 'metrics'> & { readonly metrics?: object; readonly state?: RunState },
): Promise<void> {
  const { config, params, info, metrics, state = { status: 'complete', epoch: info.epochs ?? 0 } } = run;
  await saveCheckpoint(dir, config, params);
  if (metrics) await writeFileAtomic(join(dir, RUN_FILES.metrics), metricsJson(metrics));
  await writeFileAtomic(join(dir, RUN_FILES.run), metricsJson({ ...info, config, state }));
}

/** Files a run writes besides RUN_FILES: what --overwrite may remove. */
const isRunFile = (name: string) =>
  (Object.values(RUN_FILES) as string[]).includes(name) ||
  name === 'index.html' ||
  name === 'web' || // the interactive page (saekit report --web)
  name.endsWith('.png') ||
  (name.startsWith('.') && name.endsWith('.tmp'));

const errText = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  return err.code ? `${err.message.split(',')[0]}` : String(err.message ?? err);
};

/**
 * Checks, before any training, that `dir` can become this run's directory: refuses one that holds
 * files (unless `overwrite`, and then only saekit's own files) and proves the nearest existing
 * ancestor writable by creating and removing a probe directory in it, so the error is the real
 * one (EROFS, EACCES, ENOSPC), not mkdir's ENOENT for the missing parents.
 */
export async function checkRunDir(dir: string, opts: { overwrite: boolean }): Promise<void> {
  let existing = dir;
  for (;;) {
    try {
      const st = await stat(existing);
      if (!st.isDirectory())
        throw new Error(`cannot write the run directory ${dir}: ${existing} is not a directory`);
      break;
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (err.code !== 'ENOENT' && err.code !== 'ENOTDIR')
        throw err.code ? new Error(`cannot write the run directory ${dir}: ${errText(e)}`) : e;
      if (dirname(existing) === existing) break;
      existing = dirname(existing);
    }
  }
  if (existing === dir) {
    const names = await readdir(dir);
    if (names.length && !opts.overwrite)
      throw new UsageError(
        `--out ${dir} already holds files (${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''}); pass --overwrite to replace that run, or choose another --out`,
      );
    const foreign = names.filter((n) => !isRunFile(n));
    if (foreign.length)
      throw new UsageError(
        `--out ${dir} holds files a saekit run does not write (${foreign.slice(0, 4).join(', ')}); --overwrite replaces only run directories: choose another --out`,
      );
  }
  const probe = join(existing, `.saekit-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(probe);
  } catch (e) {
    throw new Error(`cannot write the run directory ${dir}: ${existing}: ${errText(e)}`);
  }
  await rm(probe, { recursive: true, force: true });
}

/**
 * Creates the run directory as a unit: cfg.json, the initial weights and run.json (state
 * `running`) are written into a hidden sibling, which is then renamed to `dir`. An old run there
 * (`--overwrite`) is first renamed aside and removed after, so no directory mixes two runs' files.
 * A killed start leaves only a hidden `.<name>.partial-*` or `.<name>.old-*` sibling.
 */
export async function startRun(
  dir: string,
  run: Omit<Run, 'metrics'>,
  opts: { overwrite: boolean; trainState?: TrainCheckpoint },
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const partial = join(parent, `.${basename(dir)}.partial-${tag}`);
  await mkdir(partial);
  try {
    if (opts.trainState) await writeTrainState(partial, opts.trainState);
    await writeRun(partial, { ...run, state: { status: 'running', epoch: 0 } });
    let old: string | undefined;
    if ((await readdir(dir).catch(() => [])).length) {
      if (!opts.overwrite)
        throw new UsageError(`--out ${dir} was filled by another run meanwhile; choose another --out`);
      old = join(parent, `.${basename(dir)}.old-${tag}`);
      await rename(dir, old);
    }
    await rename(partial, dir).catch((e: NodeJS.ErrnoException) => {
      throw e.code === 'ENOTEMPTY' || e.code === 'EEXIST'
        ? new UsageError(`--out ${dir} was filled by another run meanwhile; choose another --out`)
        : e;
    });
    if (old) await rm(old, { recursive: true, force: true });
  } catch (e) {
    await rm(partial, { recursive: true, force: true });
    throw e;
  }
}

/** The training state for --resume: one file, written atomically, so never half of two steps. */
export function writeTrainState(dir: string, c: TrainCheckpoint): Promise<void> {
  return writeFileAtomic(join(dir, RUN_FILES.trainState), encodeTrainState(c));
}

/** A completed run keeps no training state. */
export function removeTrainState(dir: string): Promise<void> {
  return rm(join(dir, RUN_FILES.trainState), { force: true });
}

/** What `--resume` needs: how the run was made, its config and state, and its training state. */
export async function readResumable(
  dir: string,
): Promise<{ info: RunInfo; config: AnySaeConfig; state: RunState; checkpoint: TrainCheckpoint }> {
  const runPath = join(dir, RUN_FILES.run);
  const doc = await readJson(runPath);
  if (!doc) throw new Error(`${runPath}: not found (is ${dir} a saekit run directory?)`);
  const { config } = await readModel(dir);
  const state = await readRunState(dir);
  if (!state) throw new Error(`${runPath}: no "state": not a run saekit can resume`);
  if (state.status === 'complete') throw new Error(`${dir}: the run is complete; nothing to resume`);
  const statePath = join(dir, RUN_FILES.trainState);
  const bytes = await readFile(statePath).catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      e.code === 'ENOENT'
        ? `${statePath}: not found (a run from a saekit without resumable checkpoints?)`
        : `${statePath}: ${e.message}`,
    );
  });
  const checkpoint = decodeTrainState(
    new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    statePath,
  );
  const { state: _s, config: _c, ...info } = doc;
  return { info: info as unknown as RunInfo, config, state, checkpoint };
}

/** run.json's state, or undefined for a directory without one (a bare checkpoint, an older run). */
export async function readRunState(dir: string): Promise<RunState | undefined> {
  const info = await readJson(join(dir, RUN_FILES.run));
  const state = info?.state as RunState | undefined;
  return state && typeof state === 'object' && typeof state.status === 'string' ? state : undefined;
}

/** Writes the figures and index.html beside the run; returns their paths. */
export async function writeRunFigures(
  dir: string,
  files: Record<string, Uint8Array | string>,
): Promise<string[]> {
  // Imported here: the report package loads Vega and resvg, which only drawing runs need.
  const { writeFigures } = await import('@saekit/report');
  return writeFigures(dir, files);
}

/** The model of a run or checkpoint directory (cfg.json + sae_weights.safetensors). */
export function readModel(dir: string): Promise<{ config: AnySaeConfig; params: SaeParams }> {
  return loadCheckpoint(dir);
}

/** Reads a whole run back; a missing or malformed file is an error naming it (run.json may be absent). */
export async function readRun(dir: string): Promise<Run> {
  const { config, params } = await readModel(dir);
  const metricsPath = join(dir, RUN_FILES.metrics);
  const metrics = await readJson(metricsPath);
  if (!metrics) throw new Error(`${metricsPath}: not found (was the run finished?)`);
  // The state is the directory's, not how the run was made: readRunState gives it.
  const { state: _state, ...info } = (await readJson(join(dir, RUN_FILES.run))) ?? {};
  return { config, params, info: info as Partial<RunInfo>, metrics: checkMetrics(metrics, metricsPath) };
}

/** A JSON object from a file, or null when there is no such file. */
async function readJson(path: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return null;
    throw new Error(`${path}: ${err.message}`);
  }
  let v: unknown;
  try {
    v = parseMetricsJson(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${path}: not a JSON object`);
  return v as Record<string, unknown>;
}

/** Checks metrics.json, naming each missing or malformed field. */
function checkMetrics(m: Record<string, unknown>, path: string): RunMetrics {
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
