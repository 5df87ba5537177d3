import { loadBackend } from '@saekit/backends';
import { evaluate, mmcs } from '@saekit/core';
import type { Command } from 'commander';
import { int, splitOption } from '../args.js';
import { loadData } from '../data.js';
import { readRunState } from '../run-dir.js';
import { loadModelForCli } from '../sae-source.js';

export function evalCommand(program: Command): void {
  program
    .command('eval')
    .description('evaluate a saved model on a dataset split and print its metrics as JSON')
    .requiredOption('--model <dir>', 'a run or checkpoint directory (cfg.json + sae_weights.safetensors)')
    .option('--dataset <name>', 'synthetic | mnist | fashion-mnist | a directory of IDX files', 'synthetic')
    .option('--data-dir <dir>', 'MNIST / Fashion-MNIST directory')
    .option('--cache-dir <dir>', 'download cache')
    .addOption(splitOption())
    .option('--backend <name>', 'backend', 'cpu')
    .option('--seed <n>', 'seed of the synthetic data', int(0), 0)
    .option('--limit <n>', 'first n examples only', int(1))
    .action(
      async (f: {
        model: string;
        dataset: string;
        dataDir?: string;
        cacheDir?: string;
        split: 'train' | 'test';
        backend: string;
        seed: number;
        limit?: number;
      }) => {
        const { config, params } = await loadModelForCli(f.model);
        const state = await readRunState(f.model);
        if (state && state.status !== 'complete')
          process.stderr.write(
            `note: ${f.model} is an unfinished run (${state.status}); its checkpoint is from epoch ${state.epoch}${state.step !== undefined ? `, step ${state.step}` : ''}\n`,
          );
        const data = await loadData({ ...f, log: (s) => process.stderr.write(`${s}\n`) });
        const split = data.splits[f.split];
        const m = await evaluate(await loadBackend(f.backend), config, params, split);
        const extra = data.dictionary
          ? { mmcs: mmcs(data.dictionary.data, data.dictionary.numFeatures, params.W_dec, config.hiddenDim) }
          : {};
        process.stdout.write(`${JSON.stringify({ dataset: split.name, ...m, ...extra }, null, 2)}\n`);
      },
    );
}
