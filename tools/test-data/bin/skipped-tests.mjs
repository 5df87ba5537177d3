#!/usr/bin/env node
// `npm test`'s summary of tests skipped for lack of data (or of a GPU adapter...), one line each:
//   node tools/test-data/bin/skipped-tests.mjs --reset   before the tests (clears the log)
//   node tools/test-data/bin/skipped-tests.mjs           after them (prints the line, clears the log)
// The tests note skips through @saekit/test-data's dataForTests and noteSkip; the log path is skipLogPath's.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const log =
  process.env.SAEKIT_SKIP_LOG ||
  fileURLToPath(new URL('../../../node_modules/.cache/saekit/skipped-tests.jsonl', import.meta.url));

if (!process.argv.includes('--reset') && existsSync(log)) {
  const byData = new Map();
  const byReason = new Map(); // skips for what the machine lacks besides data (noteSkip)
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line) continue;
    const { data, reason, tests } = JSON.parse(line);
    const map = data === undefined ? byReason : byData;
    const set = map.get(data ?? reason) ?? new Set();
    for (const t of tests) set.add(t);
    map.set(data ?? reason, set);
  }
  const count = (m) => [...m.values()].reduce((n, s) => n + s.size, 0);
  const list = (m) => [...m].map(([what, tests]) => `${what}: ${[...tests].join('; ')}`).join(' | ');
  if (byReason.size)
    console.log(`skipped ${count(byReason)} tests this machine cannot run (${list(byReason)})`);
  if (byData.size)
    console.log(
      `skipped ${count(byData)} tests for lack of data (${list(byData)}); to run them: \`pnpm fetch-data\` downloads MNIST and Fashion-MNIST into $SAEKIT_CACHE_DIR or ~/.cache/saekit, or set SAEKIT_DATA_DIR to a directory holding mnist/ and fashion-mnist/, or clone beside ../shared as CI does`,
    );
}
rmSync(log, { force: true });
