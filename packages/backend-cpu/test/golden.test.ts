import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatComparisons, parseGoldenCase, runGoldenCase } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

const dir = fileURLToPath(new URL('../../../../shared/golden/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('PyTorch golden cases on the CPU backend', () => {
  it('finds the golden cases', () => expect(files.length).toBeGreaterThanOrEqual(2));
  for (const f of files) {
    it(f, async () => {
      const c = parseGoldenCase(JSON.parse(readFileSync(dir + f, 'utf8')));
      const res = await runGoldenCase(createCpuBackend(), c);
      expect(res.length).toBeGreaterThanOrEqual(14);
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
      console.log(formatComparisons(res));
    });
  }
});
