import { resolve } from 'node:path';
import { loadBackend } from '@saekit/backends';
import { describe, expect, it } from 'vitest';
import { runConformance } from '../src/index.js';

// The README's worked example must keep working.
describe('examples/my-backend.mjs', () => {
  it('loads by path, passes, and reports kthLargest as unsupported', async () => {
    const backend = await loadBackend(resolve(import.meta.dirname, '../examples/my-backend.mjs'));
    const r = await runConformance(backend, { filter: /^primitive\/(kthLargest 7x13 k=3|add 7x13 \+ 13)$/ });
    expect(r.rows.map((x) => [x.case, x.status])).toEqual([
      ['add 7x13 + 13', 'pass'],
      ['kthLargest 7x13 k=3', 'unsupported'],
    ]);
    expect(r.ok).toBe(true);
  });
});
