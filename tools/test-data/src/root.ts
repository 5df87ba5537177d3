import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the nearest directory above `from` holding pnpm-workspace.yaml. */
export function findRepoRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** `../shared` beside the repo root, where developers and CI keep MNIST and the golden sources. */
export function sharedDir(): string | undefined {
  const root = findRepoRoot();
  return root ? resolve(root, '../shared') : undefined;
}

/** The golden cases kept in the repo (this package's `golden/`; src/ and dist/ are one level down). */
export const IN_REPO_GOLDEN_DIR: string = fileURLToPath(new URL('../golden', import.meta.url));
