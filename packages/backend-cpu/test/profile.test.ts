import { buildTrainStep, initParams, Rng, rowWeights, SEED_CONFIG } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

describe('profileSync', () => {
  it('times every compiled step of a training step, names them, and leaves the executable as it was', () => {
    const step = buildTrainStep(SEED_CONFIG, 32, { kind: 'adam', lr: 1e-3 });
    const params = initParams(SEED_CONFIG, new Rng(0));
    // Faint pixels: at full brightness the seed's KL is NaN from the first step, and a NaN loss
    // would make the last check below pass whatever profiling did.
    const x = Float32Array.from(new Rng(1).uniformArray(32 * 784, 0, 0.1));
    const w = rowWeights(new Float32Array(32), 32);
    const a = createCpuBackend({ threads: 1 }).compileSync(step.graph, { state: step.initialState(params) });
    const b = createCpuBackend({ threads: 1 }).compileSync(step.graph, { state: step.initialState(params) });
    const runs = 3;
    const t0 = performance.now();
    const rows = a.profileSync({ x, w }, runs);
    const elapsed = performance.now() - t0;
    // One row per planned step, and one more for the masked pair's sum of its parts' partials.
    expect(rows.length).toBe(a.steps.filter((s) => s.kind !== 'alias').length + 1);
    // Five products in four steps: g·W_decᵀ and hᵀ·g share one pass (a masked pair).
    expect(rows.filter((r) => r.step.startsWith('matmul')).map((r) => r.step)).toEqual([
      'matmul [32,64]',
      'matmul [32,784]',
      'matmul [32,64] + matmul [64,784] (masked pair)',
      'matmul [784,64]',
    ]);
    const pair = rows.findIndex((r) => r.step.includes('masked pair'));
    expect(rows[pair + 1].step).toBe('sum of parts [64,784]');
    expect(rows.some((r) => r.step.startsWith('sigmoid+sub+mul+mul+sum [32,784]'))).toBe(true);
    // The steps' times are parts of the runs: together no more than the call took, and not nothing.
    const total = rows.reduce((s, r) => s + r.ms, 0) * runs;
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(elapsed);
    // Profiling ran three real steps: after three plain steps the other executable agrees.
    for (let i = 0; i < runs; i++) b.runSync({ x, w });
    const loss = b.runSync({ x, w }).loss[0];
    expect(Number.isFinite(loss)).toBe(true);
    expect(a.runSync({ x, w }).loss[0]).toBe(loss);
  });
});
