import { formatComparisons, runGoldenCase } from '@saekit/core/testing';
import { loadGoldenCases } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, MAX_OPSET } from '../src/index.js';

const cases = loadGoldenCases();

describe('PyTorch golden cases on the onnx backend: forward, loss, gradients and Adam steps from ONNX Runtime', () => {
  it('finds the golden cases', () => expect(cases.length).toBeGreaterThanOrEqual(2));
  for (const { name, golden } of cases) {
    for (const opset of [17, MAX_OPSET]) {
      it(`${name} (opset ${opset})`, async () => {
        const res = await runGoldenCase(createOnnxBackend({ opset }), golden);
        expect(res.length).toBeGreaterThanOrEqual(14);
        expect(
          res.filter((r) => !r.pass),
          formatComparisons(res),
        ).toEqual([]);
      });
    }
  }
});
