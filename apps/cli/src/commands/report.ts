import { loadBackend } from '@saekit/backends';
import type { Command } from 'commander';
import { pair } from '../args.js';
import { loadData } from '../data.js';
import { readRun, writeRunFigures } from '../run-dir.js';

interface ReportFlags {
  dims?: [number, number];
  encoderFeatures: boolean;
  backend: string;
  dataDir?: string;
}

/** Redraws a finished run: reads it back, reloads its data, draws, writes the figures beside it. */
async function runReport(dir: string, f: ReportFlags): Promise<void> {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const run = await readRun(dir);
  const { info } = run;
  const data = await loadData({
    dataset: info.dataset ?? 'synthetic',
    dataDir: f.dataDir ?? info.dataDir,
    seed: info.seed ?? 0,
    limit: info.limit,
    log,
  });
  const backend = await loadBackend(f.backend);
  log(`drawing figures into ${dir}`);
  // Imported here, as in train: drawing loads Vega and resvg, which the other commands do not need.
  const { drawReport } = await import('../report/draw.js');
  const files = await drawReport({
    run,
    data,
    forward: backend,
    dims: f.dims,
    encoderFeatures: f.encoderFeatures,
  });
  const paths = await writeRunFigures(dir, files);
  process.stdout.write(`${paths.join('\n')}\n`);
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
    .action(runReport);
}
