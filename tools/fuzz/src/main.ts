#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { type FuzzStats, fuzzTarget, TARGETS } from './run.js';

const USAGE = `usage: pnpm fuzz [--parser ${TARGETS.map((t) => t.name).join('|')}|all] [--count N] [--seconds S] [--seed N] [--from I] [--hang-ms MS]
Feeds each reader N generated inputs (default 10000) and reports clean refusals, crashes (an error
that is not the reader's own type), hangs, peak RSS, and inputs accepted with other values than a
strict reference reading. Input I of a reader is the same for the same --seed: --from I --count 1
replays one. Exits 1 when there is a crash, a hang or a wrong accept.`;

function int(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} must be a non-negative integer, got ${v}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        parser: { type: 'string', default: 'all' },
        count: { type: 'string' },
        seconds: { type: 'string' },
        seed: { type: 'string' },
        from: { type: 'string' },
        'hang-ms': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    process.stderr.write(`fuzz: ${(e as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const name = values.parser as string;
  const targets = name === 'all' ? TARGETS : TARGETS.filter((t) => t.name === name);
  if (targets.length === 0) {
    process.stderr.write(`fuzz: unknown --parser ${name}\n${USAGE}\n`);
    process.exit(2);
  }
  const seconds = values.seconds === undefined ? undefined : int('seconds', values.seconds as string, 0);
  const opts = {
    count: int(
      'count',
      values.count as string | undefined,
      seconds === undefined ? 10_000 : Number.MAX_SAFE_INTEGER,
    ),
    seconds,
    seed: int('seed', values.seed as string | undefined, 1),
    from: int('from', values.from as string | undefined, 0),
    hangMs: int('hang-ms', values['hang-ms'] as string | undefined, 5000),
  };
  process.stdout.write(`seed ${opts.seed}, from input ${opts.from}, hang = slower than ${opts.hangMs} ms\n`);
  process.stdout.write(
    'reader       inputs  refused  accepted  crashes  hangs  wrong-accepts  wrong-refuses  slowest ms  seconds  peak RSS MB\n',
  );
  const all: FuzzStats[] = [];
  for (const t of targets) {
    const s = await fuzzTarget(t, opts);
    all.push(s);
    const c = s.counts;
    const row = [
      s.target.padEnd(11),
      s.inputs,
      c.refused,
      c.accepted,
      c.crash,
      c.hang,
      c['wrong-accept'],
      c['wrong-refuse'],
      s.slowestMs.toFixed(1),
      s.seconds.toFixed(1),
      s.peakRssMb,
    ];
    process.stdout.write(
      `${row.map((v, i) => (i === 0 ? v : String(v).padStart([8, 9, 10, 9, 7, 15, 15, 12, 9, 13][i - 1]))).join('')}\n`,
    );
  }
  const findings = all.flatMap((s) => s.findings);
  for (const f of findings) process.stdout.write(`  ${f}\n`);
  const bad = all.some((s) => s.counts.crash + s.counts.hang + s.counts['wrong-accept'] > 0);
  process.exitCode = bad ? 1 : 0;
}

await main();
