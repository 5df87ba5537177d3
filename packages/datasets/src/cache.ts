import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** `$SAEKIT_CACHE_DIR` when set (and not empty), else `~/.cache/saekit`. Read at each call. */
export function defaultCacheDir(): string {
  const env = process.env.SAEKIT_CACHE_DIR;
  return env ? resolve(env) : join(homedir(), '.cache', 'saekit');
}
