import { existsSync } from 'node:fs';
import { missing } from './skips.js';

/** Where the browser tests look for Chromium: `$SAEKIT_CHROMIUM`, else Debian's package. */
export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'] as const;

/**
 * The Chromium executable for the browser tests named in `tests`, or undefined (skip them, noted in
 * `npm test`'s summary line) when there is none; an error with `SAEKIT_REQUIRE_DATA=1` (CI, whose
 * set-up installs it with apt-get: tools/setup.mjs).
 */
export function chromiumForTests(
  tests: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const tried = env.SAEKIT_CHROMIUM ? [env.SAEKIT_CHROMIUM] : [...CHROMIUM_PATHS];
  const found = tried.find((p) => existsSync(p));
  return found ?? missing('chromium (apt-get install chromium, or SAEKIT_CHROMIUM=path)', tried, tests, env);
}
