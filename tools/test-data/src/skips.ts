import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveDataDir, type TestDataset } from './data-dir.js';
import { findRepoRoot, sharedDir } from './root.js';

/**
 * Where skipped tests are noted during `npm test` (`$SAEKIT_SKIP_LOG` overrides it);
 * bin/skipped-tests.mjs clears it first and prints it as one line at the end.
 */
export function skipLogPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.SAEKIT_SKIP_LOG) return env.SAEKIT_SKIP_LOG;
  const root = findRepoRoot();
  return root ? join(root, 'node_modules', '.cache', 'saekit', 'skipped-tests.jsonl') : undefined;
}

/**
 * What tests do when the data they need is not here: with `SAEKIT_REQUIRE_DATA=1` (CI) it is an
 * error; otherwise the tests are noted for the run's one summary line, and the caller skips them.
 */
export function missing(
  what: string,
  tried: readonly string[],
  tests: readonly string[],
  env: NodeJS.ProcessEnv,
): undefined {
  if (env.SAEKIT_REQUIRE_DATA === '1')
    throw new Error(
      `SAEKIT_REQUIRE_DATA=1 and no ${what} in any of ${tried.join(', ')}; needed by: ${tests.join('; ')}`,
    );
  const log = skipLogPath(env);
  if (log) {
    mkdirSync(dirname(log), { recursive: true });
    appendFileSync(log, `${JSON.stringify({ data: what, tests })}\n`);
  }
  return undefined;
}

/**
 * Notes tests skipped for something this machine lacks that is not data (a GPU adapter, say), for
 * the run's summary: vitest's default reporter does not print a skip's reason.
 */
export function noteSkip(
  reason: string,
  tests: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): void {
  const log = skipLogPath(env);
  if (!log) return;
  mkdirSync(dirname(log), { recursive: true });
  appendFileSync(log, `${JSON.stringify({ reason, tests })}\n`);
}

/** The dataset's directory for the tests named in `tests`, or undefined (skip them) when absent. */
export function dataForTests(
  name: TestDataset,
  tests: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  shared: string | undefined = sharedDir(),
): string | undefined {
  const { dir, tried } = resolveDataDir(name, env, shared);
  return dir ?? missing(name, tried, tests, env);
}

/** `../shared/golden`, the source of the repo's golden copy, for tests that compare the two. */
export function goldenSourceForTests(
  tests: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  shared: string | undefined = sharedDir(),
): string | undefined {
  const dir = shared ? join(shared, 'golden') : undefined;
  if (dir && existsSync(dir)) return dir;
  return missing('../shared/golden', dir ? [dir] : [], tests, env);
}
