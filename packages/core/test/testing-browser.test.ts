import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// @saekit/core/testing is importable in a browser: nothing it reaches, through core's own modules,
// may import a Node built-in or core's Node-only folder (src/node).
const src = fileURLToPath(new URL('../src/', import.meta.url));
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((m) => m[1]);
}

/** Every source file reachable from `entry` by relative imports, and every bare import met. */
function reach(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of importsOf(f)) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec.replace(/\.js$/, '.ts')));
      else bare.add(spec);
    }
  }
  return { files, bare };
}

describe('@saekit/core/testing', () => {
  const { files, bare } = reach(join(src, 'testing/index.ts'));

  it('reaches the reference, the table and core itself, and nothing of Node', () => {
    const rel = [...files].map((f) => f.slice(src.length));
    expect(rel).toEqual(
      expect.arrayContaining(['testing/reference/kernels.ts', 'testing/primitives/index.ts']),
    );
    expect(rel.filter((f) => f.startsWith('node/'))).toEqual([]);
    expect([...bare].filter((b) => builtins.has(b))).toEqual([]);
    expect([...bare]).toEqual([]); // core has no dependencies at all
  });

  it('would notice a Node import (the scan reads src/node, which has them)', () => {
    const nodeDir = join(src, 'node');
    const found = readdirSync(nodeDir).flatMap((f) => importsOf(join(nodeDir, f)));
    expect(found.some((b) => builtins.has(b))).toBe(true);
  });
});
