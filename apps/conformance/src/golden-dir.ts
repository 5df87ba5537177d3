import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest directory above this module holding pnpm-workspace.yaml. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/**
 * Where the PyTorch golden cases are. An explicit directory is the only candidate; otherwise
 * `$SAEKIT_GOLDEN_DIR`, then `../shared/golden` next to the repo root. `dir` is undefined when no
 * candidate exists; `tried` lists them for the message.
 */
export function resolveGoldenDir(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
): { dir?: string; tried: string[] } {
  const tried: string[] = [];
  if (explicit) tried.push(resolve(explicit));
  else {
    if (env.SAEKIT_GOLDEN_DIR) tried.push(resolve(env.SAEKIT_GOLDEN_DIR));
    const root = findRepoRoot();
    if (root) tried.push(resolve(root, '../shared/golden'));
  }
  return { dir: tried.find(isDir), tried };
}
