import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveDataDir, type TestDataset } from './data-dir.js';
import { findRepoRoot } from './root.js';

/**
 * Where skipped tests are noted during `npm test`; bin/skipped-tests.mjs clears it first and
 * prints it as one line at the end (the same path is written there).
 */
export function skipLogPath(): string | undefined {
  const root = findRepoRoot();
  return root ? join(root, 'node_modules', '.cache', 'saekit', 'skipped-tests.jsonl') : undefined;
}

/**
 * The dataset's directory for the tests named in `tests`, or undefined when no candidate has the
 * files: then the tests are noted as skipped for the run's summary line, unless
 * `SAEKIT_REQUIRE_DATA=1` (CI), which makes a missing dataset an error instead.
 */
export function dataForTests(
  name: TestDataset,
  tests: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const { dir, tried } = resolveDataDir(name, env);
  if (dir) return dir;
  if (env.SAEKIT_REQUIRE_DATA === '1')
    throw new Error(
      `SAEKIT_REQUIRE_DATA=1 and no ${name} files in any of ${tried.join(', ')}; needed by: ${tests.join('; ')}`,
    );
  const log = skipLogPath();
  if (log) {
    mkdirSync(dirname(log), { recursive: true });
    appendFileSync(log, `${JSON.stringify({ dataset: name, tests })}\n`);
  }
  return undefined;
}
