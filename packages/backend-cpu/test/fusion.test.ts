import {
  add,
  buildTrainStep,
  Graph,
  initParams,
  input,
  mul,
  Rng,
  rowWeights,
  type SaeConfig,
  sigmoid,
  sub,
} from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { cpuAllocationCount, createCpuBackend, createReferenceBackend } from '../src/index.js';

const cfg: SaeConfig = {
  inputDim: 20,
  hiddenDim: 12,
  encoder: 'relu',
  decoder: 'sigmoid',
  sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
};

describe('elementwise fusion', () => {
  it('gives the same training steps as the unfused interpreter, with fewer buffers', async () => {
    const step = buildTrainStep(cfg, 9, { kind: 'adam', lr: 1e-2 });
    const params = initParams(cfg, new Rng(0));
    const x = new Rng(1).uniformArray(9 * 20, 0, 0.3);
    const w = rowWeights(new Float32Array(9), 9);
    const c0 = cpuAllocationCount();
    const fused = createReferenceBackend({ fuse: true }).compileSync(step.graph, {
      state: f64(step.initialState(params)),
    });
    const c1 = cpuAllocationCount();
    const plain = createReferenceBackend({ fuse: false }).compileSync(step.graph, {
      state: f64(step.initialState(params)),
    });
    const c2 = cpuAllocationCount();
    expect(c1 - c0).toBeLessThan(c2 - c1);
    for (let i = 0; i < 5; i++) {
      const a = fused.runSync({ x: Float64Array.from(x), w: Float64Array.from(w) }).loss[0];
      const b = plain.runSync({ x: Float64Array.from(x), w: Float64Array.from(w) }).loss[0];
      expect(Math.abs(a - b)).toBeLessThan(1e-13);
    }
    const wa = await fused.readState('W_enc');
    const wb = await plain.readState('W_enc');
    for (let i = 0; i < wa.length; i++) expect(Math.abs(wa[i] - wb[i])).toBeLessThan(1e-12);
  });

  it('fuses a chain into one loop but keeps values that are outputs', () => {
    const x = input('x', [4]);
    const y = input('y', [4]);
    const mid = mul(add(x, y), 2);
    const out = sigmoid(sub(mid, 1));
    const c0 = cpuAllocationCount();
    const exe = createCpuBackend().compileSync(Graph.from({ outputs: { out, mid } }));
    // x and y (empty until bound), the scalars 2 and 1, then mid and out: add and sub get no buffer.
    expect(cpuAllocationCount() - c0).toBe(6);
    const r = exe.runSync({ x: Float32Array.of(0, 1, 2, 3), y: Float32Array.of(1, 1, 1, 1) });
    expect([...r.mid]).toEqual([2, 4, 6, 8]);
    for (let i = 0; i < 4; i++) expect(r.out[i]).toBeCloseTo(1 / (1 + Math.exp(-([2, 4, 6, 8][i] - 1))), 6);
  });
});

describe('outputs that are state', () => {
  it("show the value before this run's update, and are not the state buffer itself", async () => {
    const p = input('p', [2]);
    const exe = createCpuBackend().compileSync(Graph.from({ outputs: { p }, updates: { p: add(p, 1) } }), {
      state: { p: Float32Array.of(1, 2) },
    });
    const r1 = exe.runSync({});
    expect([...r1.p]).toEqual([1, 2]);
    r1.p[0] = 100; // the caller scribbling on an output does not change the state
    const r2 = exe.runSync({});
    expect([...r2.p]).toEqual([2, 3]);
    expect([...(await exe.readState('p'))]).toEqual([3, 4]);
  });
});

function f64(st: Record<string, Float32Array>): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(st).map(([k, v]) => [k, Float64Array.from(v)]));
}
