import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  createReferenceBackend,
  formatComparisons,
  parseGoldenCase,
  runGoldenCase,
} from '../src/testing/index.js';

// The PyTorch golden cases on the float64 reference: core's graphs (forward, losses, VJPs, Adam)
// against PyTorch, with no backend involved.
const dir =
  process.env.SAEKIT_GOLDEN_DIR ?? fileURLToPath(new URL('../../../../shared/golden/', import.meta.url));
const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
if (!files.length) console.log(`skipped: core's PyTorch golden cases (no ${dir}; set SAEKIT_GOLDEN_DIR)`);

describe.skipIf(!files.length)('PyTorch golden cases on the reference', () => {
  for (const f of files) {
    it(f, async () => {
      const c = parseGoldenCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
      const res = await runGoldenCase(createReferenceBackend({ float32: true }), c);
      expect(res.length).toBeGreaterThanOrEqual(14);
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
    }, 120_000); // the seed case is millions of naive multiply-adds: room for a busy machine
  }
});
