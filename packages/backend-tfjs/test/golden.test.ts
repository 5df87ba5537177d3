import { formatComparisons, runGoldenCase } from '@saekit/core/testing';
import { loadGoldenCases } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { ENGINES, tfjsBackend } from './helpers.js';

const cases = loadGoldenCases();

for (const engine of ENGINES) {
  describe(`PyTorch golden cases on tfjs-${engine}`, () => {
    it('finds the golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));
    for (const { name, golden } of cases) {
      it(name, async () => {
        const res = await runGoldenCase(await tfjsBackend(engine), golden);
        expect(res.length).toBeGreaterThanOrEqual(14);
        expect(
          res.filter((r) => !r.pass),
          formatComparisons(res),
        ).toEqual([]);
        console.log(`tfjs-${engine}\n${formatComparisons(res)}`);
      });
    }
  });
}
