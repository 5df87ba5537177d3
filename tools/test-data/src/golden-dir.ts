import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { IN_REPO_GOLDEN_DIR } from './root.js';

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Where the PyTorch golden cases are read from: `explicit` if given, else `$SAEKIT_GOLDEN_DIR` if
 * set, else the copy kept in the repo. A directory that was asked for is the only candidate, so
 * a mistyped path is reported rather than silently replaced. `dir` is undefined when the candidate
 * does not exist; `tried` names it for the message.
 */
export function resolveGoldenDir(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): { dir?: string; tried: string[] } {
  const asked = explicit || env.SAEKIT_GOLDEN_DIR;
  const candidate = asked ? resolve(asked) : IN_REPO_GOLDEN_DIR;
  return { dir: isDir(candidate) ? candidate : undefined, tried: [candidate] };
}
