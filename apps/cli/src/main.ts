#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { UsageError } from './args.js';
import { convertCommand } from './commands/convert.js';
import { encodeCommand } from './commands/encode.js';
import { evalCommand } from './commands/eval.js';
import { exportCommand } from './commands/export.js';
import { inspectCommand } from './commands/inspect.js';
import { reportCommand } from './commands/report.js';
import { trainCommand } from './commands/train.js';
import { serveCommand } from './report/serve-command.js';

const program = new Command('saekit')
  .description('sparse autoencoders: train, evaluate, encode, export to ONNX, and draw what they learned')
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (s, write) => write(`${s.trim().replace(/\s*\n\s*/g, ' ')}\n`) });
trainCommand(program);
evalCommand(program);
encodeCommand(program);
exportCommand(program);
inspectCommand(program);
convertCommand(program);
reportCommand(program);
serveCommand(program);
for (const c of program.commands) c.exitOverride().showSuggestionAfterError();

try {
  await program.parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // --help and --version exit 0; every usage error (unknown flag, bad value) exits 2.
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (e instanceof UsageError) {
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`saekit: error: ${(e as Error).message}\n`);
  if (process.env.SAEKIT_DEBUG) console.error(e);
  process.exit(1);
}
