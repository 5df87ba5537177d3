import {
  add,
  buildTrainStep,
  Graph,
  initParams,
  input,
  matmul,
  mul,
  Rng,
  reshape,
  rowWeights,
  SEED_CONFIG,
} from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

/** The [state slot, update slot] pairs a run copies between (white box: equal slots mean written in place). */
function updatePairs(exe: unknown): [number, number][] {
  return (exe as { updates: [number, number][] }).updates;
}

describe('state updates in place', () => {
  it('an optimizer step writes every parameter and moment into its own buffer (nothing copied after the run)', () => {
    const step = buildTrainStep(SEED_CONFIG, 8, { kind: 'adam', lr: 1e-3 });
    const exe = createCpuBackend({ threads: 1 }).compileSync(step.graph, {
      state: step.initialState(initParams(SEED_CONFIG, new Rng(0))),
    });
    const pairs = updatePairs(exe);
    expect(pairs.length).toBe(13);
    expect(pairs.every(([dst, src]) => dst === src)).toBe(true);
    // The unfused interpreter stays plain: updates go to temporaries, copied back.
    const plain = createCpuBackend({ threads: 1, fuse: false }).compileSync(step.graph, {
      state: step.initialState(initParams(SEED_CONFIG, new Rng(0))),
    });
    expect(updatePairs(plain).every(([dst, src]) => dst !== src)).toBe(true);
    const x = Float32Array.from(new Rng(2).uniformArray(8 * 784, 0, 0.1));
    const w = rowWeights(new Float32Array(8), 8);
    for (let i = 0; i < 3; i++) {
      const a = exe.runSync({ x, w }).loss[0];
      const b = plain.runSync({ x, w }).loss[0];
      expect(Math.abs(a - b)).toBeLessThan(1e-6 * Math.abs(b));
    }
  });

  it('not when a later step still reads the old value', () => {
    const p = input('p', [1, 3]);
    const u = add(mul(p, 2), 1); // an elementwise loop...
    const q = matmul(p, u, { transB: true }); // ...then a product reading old p and new u
    const exe = createCpuBackend({ threads: 1 }).compileSync(
      Graph.from({ outputs: { q }, updates: { p: u } }),
      {
        state: { p: Float32Array.of(1, 2, 3) },
      },
    );
    expect(updatePairs(exe).every(([dst, src]) => dst !== src)).toBe(true);
    // p·uᵀ with u = 2p + 1: 1·3 + 2·5 + 3·7 = 34 (had p been overwritten first: 3·3 + 5·5 + 7·7 = 83).
    expect(exe.runSync({}).q[0]).toBe(34);
    expect(exe.runSync({}).q[0]).toBe(3 * 7 + 5 * 11 + 7 * 15);
  });

  it('not when a later step reads the old value through a reshape of it', () => {
    const p = input('p', [3]);
    const u = add(mul(p, 2), 1);
    const q = matmul(reshape(p, [1, 3]), reshape(u, [3, 1])); // reads p's buffer after u's loop
    const exe = createCpuBackend({ threads: 1 }).compileSync(
      Graph.from({ outputs: { q }, updates: { p: u } }),
      {
        state: { p: Float32Array.of(1, 2, 3) },
      },
    );
    expect(updatePairs(exe).every(([dst, src]) => dst !== src)).toBe(true);
    expect(exe.runSync({}).q[0]).toBe(34);
  });
});
