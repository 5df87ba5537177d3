#!/usr/bin/env node
// pnpm conformance [--backend <name|path> ...] [--json FILE] [--filter REGEX] [--golden DIR]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BUILTIN_BACKENDS, isBuiltinBackend, isModuleSpec, loadBackend } from '@saekit/backends';
import { writeFileAtomic } from '@saekit/core/node';
import { Command, CommanderError, Option } from 'commander';
import { resolveGoldenDir } from './golden-dir.js';
import {
  type ConformanceReport,
  caseId,
  conformanceCases,
  runConformance,
  selectCases,
  toFilter,
} from './index.js';
import { formatSummary, formatTable } from './table.js';
import { CASE_GROUPS, type CaseGroup } from './types.js';

const PROG = 'saekit-conformance';

interface Flags {
  backend?: string[];
  json?: string;
  filter?: string;
  golden?: string;
  group?: CaseGroup[];
  problemsOnly?: boolean;
  list?: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): Flags {
  const program = new Command(PROG)
    .description(
      'Runs the saekit conformance suite on backends and prints a table of errors against the references.',
    )
    .addOption(
      new Option(
        '-b, --backend <name|path...>',
        `backends to test: ${BUILTIN_BACKENDS.join(', ')}, or a module path exporting a Backend (repeatable; default: all built-ins)`,
      ),
    )
    .option('--json <file>', 'also write the report as JSON (atomically)')
    .option('--filter <regex>', 'run only the cases whose "group/name" matches')
    .option(
      '--golden <dir>',
      'directory of the PyTorch golden cases, e.g. ../shared/golden (default: $SAEKIT_GOLDEN_DIR, else the copy in tools/test-data/golden)',
    )
    .addOption(new Option('--group <group...>', 'run only these groups').choices(CASE_GROUPS))
    .option('--problems-only', 'print only the rows that did not pass')
    .option('--list', 'list the selected case ids and exit')
    .helpOption('-h, --help', 'show this help')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ outputError: () => {} });
  program.parse(argv, { from: 'user' });
  return program.opts<Flags>();
}

/** A spec that can never load is a usage error (exit 2), found before any case runs. */
function checkSpec(spec: string): void {
  if (isBuiltinBackend(spec)) return;
  if (!isModuleSpec(spec))
    throw new UsageError(
      `unknown backend "${spec}" (choose ${BUILTIN_BACKENDS.join(', ')}, or a module path)`,
    );
  if (!existsSync(resolve(spec))) throw new UsageError(`backend module not found: ${resolve(spec)}`);
}

/** The report as JSON, atomically; Infinity (NaN or a length mismatch) is kept readable, not null. */
async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(
    value,
    (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v),
    2,
  );
  await writeFileAtomic(resolve(path), `${text}\n`);
}

function progress(
  spec: string,
): ((row: { group: string; case: string }, i: number, n: number) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const width = process.stderr.columns ?? 100;
  return (row, i, n) => {
    const line = `[${spec}] ${i + 1}/${n} ${row.group}/${row.case}`;
    process.stderr.write(`\r${line.slice(0, width - 1).padEnd(width - 1)}`);
    if (i + 1 === n) process.stderr.write(`\r${' '.repeat(width - 1)}\r`);
  };
}

async function main(argv: readonly string[]): Promise<number> {
  let flags: Flags;
  try {
    flags = parseArgs(argv);
    if (flags.filter !== undefined) toFilter(flags.filter);
    for (const spec of flags.backend ?? []) checkSpec(spec);
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
      process.stderr.write(`${PROG}: ${e.message.replace(/^error: /, '')} (see --help)\n`);
      return 2;
    }
    if (e instanceof UsageError || e instanceof SyntaxError) {
      process.stderr.write(`${PROG}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }

  const specs = flags.backend?.length ? flags.backend : [...BUILTIN_BACKENDS];
  const golden = resolveGoldenDir(flags.golden);
  const cases = selectCases(conformanceCases({ goldenDir: flags.golden }), flags.filter, flags.group);
  if (flags.list) {
    process.stdout.write(`${cases.map(caseId).join('\n')}\n`);
    return 0;
  }
  if (!cases.length) {
    process.stderr.write(
      `${PROG}: no case matches --filter ${flags.filter ?? ''}${flags.group ? ` --group ${flags.group.join(' ')}` : ''}\n`,
    );
    return 2;
  }

  const reports: ConformanceReport[] = [];
  const loadErrors: { backend: string; message: string }[] = [];
  for (const spec of specs) {
    let backend: Awaited<ReturnType<typeof loadBackend>>;
    try {
      backend = await loadBackend(spec);
    } catch (e) {
      const message = (e as Error).message;
      loadErrors.push({ backend: spec, message });
      process.stdout.write(`== ${spec} ==\nERROR: the backend could not be loaded: ${message}\n\n`);
      continue;
    }
    const report = await runConformance(backend, { cases, onCase: progress(spec) });
    reports.push(report);
    process.stdout.write(`${formatTable(report, { problemsOnly: flags.problemsOnly })}\n\n`);
  }
  if (specs.length > 1) {
    const lines = [
      ...reports.map(formatSummary),
      ...loadErrors.map((l) => `${l.backend}: not loaded (${l.message})`),
    ];
    process.stdout.write(`== summary ==\n${lines.join('\n')}\n`);
  }
  // One plain closing line over every backend, the form CI logs are read for.
  const passed = reports.reduce((a, r) => a + r.totals.passed, 0);
  const failed = reports.reduce((a, r) => a + r.totals.failed + r.totals.errors, 0) + loadErrors.length;
  process.stdout.write(`conformance: ${passed} passed, ${failed} failed\n`);
  if (flags.json) {
    await writeJsonAtomic(flags.json, {
      suite: PROG,
      format: 1,
      createdAt: new Date().toISOString(),
      filter: flags.filter ?? null,
      groups: flags.group ?? null,
      goldenDir: golden.dir ?? null,
      reports,
      loadErrors,
    });
  }
  const ok = loadErrors.length === 0 && reports.every((r) => r.ok);
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`${PROG}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
