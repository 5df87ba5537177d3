import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKPOINT_FILES,
  type SaeConfig,
  type SaeMetrics,
  type SaeParams,
  type TrainHistory,
} from '@saekit/core';
import { loadCheckpoint, saveCheckpoint, writeFileAtomic } from '@saekit/core/node';

// The one module that reads and writes a run directory; every file is written atomically.

/** The files of a run directory (the figures are named by the report that draws them). */
export const RUN_FILES = Object.freeze({ ...CHECKPOINT_FILES, run: 'run.json', metrics: 'metrics.json' });

/** run.json: how the run was made (and its config, under `config`). */
export interface RunInfo {
  readonly dataset: string;
  readonly backend: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: Record<string, unknown>;
  readonly seed: number;
  readonly limit?: number;
  readonly dataDir?: string;
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
  readonly config: SaeConfig;
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
 * Writes a whole run: checkpoint, run.json, metrics.json. Metrics may be a partial document (a
 * diverged run's history) or absent.
 */
export async function writeRun(
  dir: string,
  run: Omit<Run, 'metrics'> & { readonly metrics?: object },
): Promise<void> {
  const { config, params, info, metrics } = run;
  await saveCheckpoint(dir, config, params);
  await writeFileAtomic(join(dir, RUN_FILES.run), `${JSON.stringify({ ...info, config }, null, 2)}\n`);
  if (metrics) await writeFileAtomic(join(dir, RUN_FILES.metrics), `${JSON.stringify(metrics, null, 2)}\n`);
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
export function readModel(dir: string): Promise<{ config: SaeConfig; params: SaeParams }> {
  return loadCheckpoint(dir);
}

/** Reads a whole run back; a missing or malformed file is an error naming it (run.json may be absent). */
export async function readRun(dir: string): Promise<Run> {
  const { config, params } = await readModel(dir);
  const metricsPath = join(dir, RUN_FILES.metrics);
  const metrics = await readJson(metricsPath);
  if (!metrics) throw new Error(`${metricsPath}: not found (was the run finished?)`);
  const info = (await readJson(join(dir, RUN_FILES.run))) ?? {};
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
    v = JSON.parse(text);
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
