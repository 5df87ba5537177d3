import { join } from 'node:path';
import { loadBackend } from '@saekit/backends';
import type { Command } from 'commander';
import { pair } from '../args.js';
import { loadData } from '../data.js';
import { refreshManifest, serveHint, WEB_DIR, writeWebPage } from '../report/web.js';
import { readRun, writeRunFigures } from '../run-dir.js';

interface ReportFlags {
  dims?: [number, number];
  encoderFeatures: boolean;
  backend: string;
  dataDir?: string;
  web: boolean;
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
  // The page first: index.html links it only once it is there.
  const page = f.web ? await writeWebPage(dir) : undefined;
  if (page) log(`copied the interactive page into ${join(dir, WEB_DIR)} (${page.length} files)`);
  log(`drawing figures into ${dir}`);
  // Imported here, as in train: drawing loads Vega and resvg, which the other commands do not need.
  const { drawReport } = await import('../report/draw.js');
  const files = await drawReport({
    run,
    data,
    forward: backend,
    dims: f.dims,
    encoderFeatures: f.encoderFeatures,
    ...(page ? { page: { href: `${WEB_DIR}/index.html`, how: serveHint(dir) } } : {}),
  });
  const paths = await writeRunFigures(dir, files);
  if (page) {
    await refreshManifest(dir); // now with the figures
    paths.push(join(dir, WEB_DIR, 'index.html'));
  }
  process.stdout.write(`${paths.join('\n')}\n`);
  if (page) log(`the interactive page: ${serveHint(dir)}`);
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
    .option(
      '--web',
      'also copy the interactive page (gallery, top inputs, reconstructions) into RUN/web/, linked from index.html; see saekit serve',
      false,
    )
    .action(runReport);
}
