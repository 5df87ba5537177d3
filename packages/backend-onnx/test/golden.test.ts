import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatComparisons, parseGoldenCase, runGoldenCase } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, MAX_OPSET } from '../src/index.js';
import { SHARED } from './helpers.js';

const dir = join(SHARED, 'golden');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('PyTorch golden cases on the onnx backend: forward, loss, gradients and Adam steps from ONNX Runtime', () => {
  it('finds the golden cases', () => expect(files.length).toBeGreaterThanOrEqual(2));
  for (const f of files) {
    for (const opset of [17, MAX_OPSET]) {
      it(`${f} (opset ${opset})`, async () => {
        const c = parseGoldenCase(JSON.parse(readFileSync(join(dir, f), 'utf8')));
        const res = await runGoldenCase(createOnnxBackend({ opset }), c);
        expect(res.length).toBeGreaterThanOrEqual(14);
        expect(
          res.filter((r) => !r.pass),
          formatComparisons(res),
        ).toEqual([]);
      });
    }
  }
});
