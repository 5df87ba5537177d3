import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

describe('the main entry runs in a browser', () => {
  it('no module outside src/node imports a Node built-in or src/node', () => {
    const offenders: string[] = [];
    for (const f of readdirSync(SRC)) {
      if (!f.endsWith('.ts')) continue;
      const text = readFileSync(join(SRC, f), 'utf8');
      for (const m of text.matchAll(/from '([^']+)'/g))
        if (m[1].startsWith('node:') || m[1].includes('/node/') || m[1] === '@saekit/core/node')
          offenders.push(`${f}: ${m[1]}`);
    }
    expect(offenders).toEqual([]);
    // The check sees the imports it is meant to refuse.
    expect(readFileSync(join(SRC, 'node', 'index.ts'), 'utf8')).toMatch(/from 'node:fs\/promises'/);
  });
});
