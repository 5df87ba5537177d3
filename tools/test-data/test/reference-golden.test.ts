import { createReferenceBackend, formatComparisons, runGoldenCase } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { loadGoldenCases } from '../src/index.js';

// The PyTorch golden cases on core's float64 reference: core's graphs (forward, losses, VJPs, Adam)
// against PyTorch with no backend involved. Here rather than in core, whose tests cannot depend on
// this package (it depends on core).
const cases = loadGoldenCases();

describe("PyTorch golden cases on core's reference", () => {
  it('finds the golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));
  for (const { name, golden } of cases) {
    it(name, async () => {
      const res = await runGoldenCase(createReferenceBackend({ float32: true }), golden);
      expect(res.length).toBeGreaterThanOrEqual(14);
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
    });
  }
});
