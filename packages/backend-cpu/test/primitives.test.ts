import {
  checkProblem,
  createReferenceBackend,
  evaluate,
  formatComparisons,
  forwardProblem,
  type PrimitiveProblem,
  primitiveSpecs,
  vjpProblem,
  vjpSpecs,
} from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createReferenceBackend as createCpuF64Backend } from '../src/index.js';

// core's primitive table (the one conformance runs) on this backend, against core's float64
// reference: naive loops that share no code with these kernels.
const reference = createReferenceBackend();
const cpu = createCpuBackend();
const cpuF64 = createCpuF64Backend();

async function expectAgreement(p: PrimitiveProblem): Promise<void> {
  const cs = await checkProblem(cpu, reference, p);
  expect(
    cs.filter((c) => !c.pass),
    formatComparisons(cs),
  ).toEqual([]);
}

/** This backend's float64 mode (what its other tests compare with) to within float64 rounding. */
async function expectF64Agreement(p: PrimitiveProblem): Promise<void> {
  const want = await evaluate(reference, p.graph, p.feeds.f64);
  const got = await evaluate(cpuF64, p.graph, p.feeds.f64);
  for (const [name, v] of Object.entries(want)) {
    const scale = Math.max(1, ...v.map(Math.abs));
    const d = Math.max(...v.map((x, i) => Math.abs(x - got[name][i])));
    expect(d, `${name}: max abs ${d} at scale ${scale}`).toBeLessThanOrEqual(1e-12 * scale);
  }
}

describe('every primitive of the table, float32, against the reference', () => {
  for (const spec of primitiveSpecs()) it(spec.name, () => expectAgreement(forwardProblem(spec)));
});

describe('every gradient of the table, float32, against the reference', () => {
  for (const spec of vjpSpecs()) it(spec.name, () => expectAgreement(vjpProblem(spec)));
});

describe('the float64 mode agrees with the reference to float64 rounding', () => {
  for (const spec of primitiveSpecs()) it(spec.name, () => expectF64Agreement(forwardProblem(spec)));
});
