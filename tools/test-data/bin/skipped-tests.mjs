#!/usr/bin/env node
// `npm test`'s summary of tests skipped for lack of data, as one line:
//   node tools/test-data/bin/skipped-tests.mjs --reset   before the tests (clears the log)
//   node tools/test-data/bin/skipped-tests.mjs           after them (prints the line, clears the log)
// The tests note skips through @saekit/test-data's dataForTests; the log path is skipLogPath's.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const log =
  process.env.SAEKIT_SKIP_LOG ||
  fileURLToPath(new URL('../../../node_modules/.cache/saekit/skipped-tests.jsonl', import.meta.url));

if (!process.argv.includes('--reset') && existsSync(log)) {
  const byData = new Map();
  for (const line of readFileSync(log, 'utf8').split('\n')) {
    if (!line) continue;
    const { data, tests } = JSON.parse(line);
    const set = byData.get(data) ?? new Set();
    for (const t of tests) set.add(t);
    byData.set(data, set);
  }
  const count = [...byData.values()].reduce((n, s) => n + s.size, 0);
  const parts = [...byData].map(([data, tests]) => `${data}: ${[...tests].join('; ')}`);
  console.log(
    `skipped ${count} tests for lack of data (${parts.join(' | ')}); to run them: \`pnpm fetch-data\` downloads MNIST and Fashion-MNIST into $SAEKIT_CACHE_DIR or ~/.cache/saekit, or set SAEKIT_DATA_DIR to a directory holding mnist/ and fashion-mnist/, or clone beside ../shared as CI does`,
  );
}
rmSync(log, { force: true });
