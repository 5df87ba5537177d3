import { formatComparisons, runGoldenCase } from '@saekit/core/testing';
import { loadGoldenCases } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

const cases = loadGoldenCases();

describe('PyTorch golden cases on the CPU backend', () => {
  it('finds the golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));
  for (const { name, golden } of cases) {
    it(name, async () => {
      const res = await runGoldenCase(createCpuBackend(), golden);
      expect(res.length).toBeGreaterThanOrEqual(14);
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
      console.log(formatComparisons(res));
    });
  }
});
