import {
  createReferenceBackend,
  evaluate,
  forwardProblem,
  primitiveSpecs,
  primitiveTableChecks,
} from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createReferenceBackend as createCpuF64Backend } from '../src/index.js';

// core's primitive table (the one conformance runs) on this backend, against core's float64
// reference: naive loops that share no code with these kernels.
const reference = createReferenceBackend();

describe("core's primitive table, float32, against the reference (forward and gradients)", () => {
  const cpu = createCpuBackend();
  for (const c of primitiveTableChecks()) it(c.name, () => c.run(cpu, reference));
});

describe('the float64 mode (what the other tests compare with) agrees with the reference to float64 rounding', () => {
  const cpuF64 = createCpuF64Backend();
  for (const spec of primitiveSpecs()) {
    it(spec.name, async () => {
      const p = forwardProblem(spec);
      const want = await evaluate(reference, p.graph, p.feeds.f64);
      const got = await evaluate(cpuF64, p.graph, p.feeds.f64);
      for (const [name, v] of Object.entries(want)) {
        const scale = Math.max(1, ...v.map(Math.abs));
        const d = Math.max(...v.map((x, i) => Math.abs(x - got[name][i])));
        expect(d, `${name}: max abs ${d} at scale ${scale}`).toBeLessThanOrEqual(1e-12 * scale);
      }
    });
  }
});
