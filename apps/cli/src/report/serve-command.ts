import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../args.js';
import { serveRun } from './serve.js';
import { WEB_DIR } from './web.js';

interface ServeFlags {
  port: string;
  host: string;
}

async function runServe(dir: string, f: ServeFlags): Promise<void> {
  const port = Number(f.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port ${f.port}: must be an integer in [0, 65535] (0: any free port)`);
  if (!existsSync(join(dir, WEB_DIR, 'index.html')))
    throw new Error(`${join(dir, WEB_DIR)}: no page here; write it with \`saekit report ${dir} --web\``);
  const served = await serveRun(dir, port, f.host);
  process.stdout.write(`serving ${dir} at ${served.url} (Ctrl-C stops)\n`);
  const stop = () => void served.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

export function serveCommand(program: Command): void {
  program
    .command('serve')
    .description(
      "serve a run directory's interactive page (written by saekit report --web) with the COOP/COEP headers it needs",
    )
    .argument('<run-dir>', 'a run directory with a web/ page')
    .option('--port <n>', 'port (0: any free one)', '8080')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(runServe);
}
