import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { loadBackend } from '@saekit/backends';
import { type AnySaeConfig, evaluate, mmcs, type SaeMetrics, type SaeParams } from '@saekit/core';
import { writeFileAtomic } from '@saekit/core/node';
import type { Command } from 'commander';
import { evaluateActivations, isActivationPath, openActivationInput } from '../activation-data.js';
import { fraction, int, splitOption, UsageError } from '../args.js';
import { BUILTIN_DATASETS, loadData } from '../data.js';
import { evalDocument, formatMetricsTable } from '../report/metrics-table.js';
import { metricsJson, readRunState } from '../run-dir.js';
import { loadModelForCli } from '../sae-source.js';

/** The model `--model` names, and a note on stderr when it is an unfinished run. */
async function loadEvalModel(given: string): Promise<{ config: AnySaeConfig; params: SaeParams }> {
  // A run's cfg.json names its directory (the weights and run.json are beside it).
  const isCfg = basename(given) === 'cfg.json' && (await stat(given).catch(() => undefined))?.isFile();
  const path = isCfg ? dirname(given) : given;
  const model = await loadModelForCli(path);
  const state = await readRunState(path);
  if (state && state.status !== 'complete')
    process.stderr.write(
      `note: ${path} is an unfinished run (${state.status}); its checkpoint is from epoch ${state.epoch}${state.step !== undefined ? `, step ${state.step}` : ''}\n`,
    );
  return model;
}

interface EvalFlags {
  model: string;
  dataset: string;
  dataDir?: string;
  cacheDir?: string;
  split: 'train' | 'test';
  backend: string;
  seed: number;
  limit?: number;
  json?: string;
  tensor?: string;
  evalFraction?: number;
}

/** The metrics and the split's name: activations streamed, other datasets in memory. */
async function measure(
  f: EvalFlags,
  config: AnySaeConfig,
  params: SaeParams,
): Promise<{ name: string; m: SaeMetrics; extra: Record<string, number> }> {
  const backend = await loadBackend(f.backend);
  if (!BUILTIN_DATASETS.includes(f.dataset) && (await isActivationPath(f.dataset))) {
    const set = await openActivationInput({ ...f, path: f.dataset });
    if (set.dim !== config.inputDim)
      throw new Error(
        `${f.dataset}: rows of ${set.dim} values, the model in ${f.model} takes ${config.inputDim}`,
      );
    return { name: set.name, m: await evaluateActivations(backend, config, params, set), extra: {} };
  }
  if (f.tensor !== undefined || f.evalFraction !== undefined)
    throw new UsageError(
      `${f.tensor !== undefined ? '--tensor' : '--eval-fraction'} applies only to an activation dataset, not ${f.dataset}`,
    );
  const data = await loadData({ ...f, log: (s) => process.stderr.write(`${s}\n`) });
  const split = data.splits[f.split];
  const m = await evaluate(backend, config, params, split);
  const d = data.dictionary;
  const extra: Record<string, number> = d
    ? { mmcs: mmcs(d.data, d.numFeatures, params.W_dec, config.hiddenDim) }
    : {};
  return { name: split.name, m, extra };
}

async function runEval(f: EvalFlags): Promise<void> {
  const { config, params } = await loadEvalModel(f.model);
  const { name, m, extra } = await measure(f, config, params);
  const doc = evalDocument(f.model, name, m, extra);
  if (f.json === '-') process.stdout.write(metricsJson(doc));
  else {
    process.stdout.write(formatMetricsTable(doc));
    if (f.json !== undefined) {
      await writeFileAtomic(f.json, metricsJson(doc));
      process.stderr.write(`wrote ${f.json}\n`);
    }
  }
}

export function evalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      "evaluate a saved model on a dataset split: prints SAEBench's core metrics (and saekit's) as a table",
    )
    .requiredOption(
      '--model <dir>',
      'a run or checkpoint directory (cfg.json + sae_weights.safetensors), or its cfg.json',
    )
    .option(
      '--dataset <name>',
      'synthetic | mnist | fashion-mnist | a directory of IDX files | activations (.npy, .safetensors, or a directory of them; streamed, never loaded whole)',
      'synthetic',
    )
    .option('--tensor <name>', 'the tensor of a .safetensors dataset (default: its only 2-D tensor)')
    .option(
      '--eval-fraction <f>',
      'activations: the last share of rows is the test split, the rest --split train (default: all rows)',
      fraction,
    )
    .option('--data-dir <dir>', 'MNIST / Fashion-MNIST directory')
    .option('--cache-dir <dir>', 'download cache')
    .addOption(splitOption())
    .option('--backend <name>', 'backend', 'cpu')
    .option('--seed <n>', 'seed of the synthetic data', int(0), 0)
    .option('--limit <n>', 'first n examples only', int(1))
    .option(
      '--json <file>',
      "also write every metric as JSON to <file> ('-': JSON on stdout instead of the table)",
    )
    .action(runEval);
}
