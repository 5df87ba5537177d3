import { describe, expect, it } from 'vitest';
import type { Backend } from '../src/index.js';
import {
  createReferenceBackend,
  formatComparisons,
  parseModernGoldenCase,
  runModernGoldenCase,
} from '../src/testing/index.js';
import { readModernGoldenDocs } from './helpers/golden-dir.js';

// The modern PyTorch cases (shared/golden/modern, README = the spec) on core's reference backend:
// core's graphs against PyTorch with no backend of ours involved; float32 as every backend runs,
// and float64 where the graphs' only error is PyTorch's own rounding.
const train = readModernGoldenDocs().filter((d) => d.doc.kind === 'train');

describe('modern PyTorch golden cases on the reference backend', () => {
  it('finds the ten train cases', () => expect(train.length).toBe(10));
  for (const { name, doc } of train) {
    for (const float32 of [true, false]) {
      it(`${name} (${float32 ? 'float32' : 'float64'})`, async () => {
        const c = parseModernGoldenCase(doc);
        // The float64 reference takes float32 feeds and computes in float64 (its kernels read any array).
        const backend = float32
          ? createReferenceBackend({ float32: true })
          : (createReferenceBackend() as unknown as Backend);
        const res = await runModernGoldenCase(backend, c);
        // forward (3), loss parts (>= 2), grads (>= 4), loss per step, params after steps (>= 4)
        expect(res.length).toBeGreaterThanOrEqual(15);
        expect(
          res.filter((r) => !r.pass),
          formatComparisons(res),
        ).toEqual([]);
      });
    }
  }

  it('fails a case whose expected numbers are off (the runner really compares)', async () => {
    const { doc } = train.find((d) => d.name.startsWith('jumprelu'))!;
    const c = parseModernGoldenCase(doc);
    const lossPerStep = c.expect.lossPerStep.map((v, i) => (i === 2 ? v * 1.001 : v));
    const bad = { ...c, expect: { ...c.expect, lossPerStep } };
    const res = await runModernGoldenCase(createReferenceBackend({ float32: true }), bad);
    expect(res.filter((r) => !r.pass).map((r) => r.name)).toEqual([`${c.name} loss per step`]);
  });
});
