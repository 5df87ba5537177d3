import { join } from 'node:path';
import type { SaeConfig, SaeMetrics, SaeParams, TrainHistory } from '@saekit/core';
import { saveCheckpoint, writeFileAtomic } from '@saekit/core/node';

/** What a run directory holds besides the checkpoint (cfg.json + sae_weights.safetensors). */
export const RUN_FILES = Object.freeze({ run: 'run.json', metrics: 'metrics.json' });

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

export function metricsDocument(
  history: TrainHistory,
  test: SaeMetrics,
  extra: Record<string, unknown>,
): Record<string, unknown> {
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

/** Writes a whole run: checkpoint, run.json, metrics.json, each file atomically. */
export async function writeRun(
  dir: string,
  config: SaeConfig,
  params: SaeParams,
  info: RunInfo,
  metrics?: Record<string, unknown>,
): Promise<void> {
  await saveCheckpoint(dir, config, params);
  await writeFileAtomic(join(dir, RUN_FILES.run), `${JSON.stringify({ ...info, config }, null, 2)}\n`);
  if (metrics) await writeFileAtomic(join(dir, RUN_FILES.metrics), `${JSON.stringify(metrics, null, 2)}\n`);
}
