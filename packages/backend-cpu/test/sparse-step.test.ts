import { buildTrainStep, initParams, type Node, Rng, rowWeights, type SaeConfig } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';
import { planSteps } from '../src/passes.js';
import { planBuffers } from '../src/plan.js';
import { loopOutputs, stepOutputs, stepReads } from '../src/steps.js';

// The TopK SAE's sparse training step (core's nn/sparse-topk.ts) as the passes plan it: the
// transposes of W_enc folded away, each Adam update one threaded loop written in place, and the
// same bits on any number of threads.

const cfg: SaeConfig = {
  inputDim: 40,
  hiddenDim: 300,
  encoder: 'topk',
  decoder: 'identity',
  sparsity: { kind: 'none' },
  k: 8,
};
const B = 64;
const step = buildTrainStep(cfg, B, { kind: 'adam', lr: 1e-3 }, { formulation: 'sparse' });

describe('the sparse TopK training step on cpu', () => {
  for (const fuse of [true, false])
    it(`each value is written once, before it is read (fuse ${fuse})`, () => {
      const steps = planSteps(step.graph, { fuse, fastMath: true, threads: 2 });
      const written = new Set<Node>();
      for (const s of steps) {
        for (const r of stepReads(s))
          expect(
            r.op.kind === 'input' || r.op.kind === 'const' || written.has(r),
            `${s.kind} reads early`,
          ).toBe(true);
        for (const o of stepOutputs(s)) {
          expect(written.has(o)).toBe(false);
          written.add(o);
        }
      }
      for (const n of Object.values(step.graph.updates))
        expect(written.has(n) || n.op.kind === 'input').toBe(true);
      expect(steps.some((s) => s.kind === 'transpose')).toBe(!fuse);
    });

  it('Adam on each weight is one loop over it, split over the threads, writing p, m and v in place', () => {
    const steps = planSteps(step.graph, { fuse: true, fastMath: true, threads: 2 });
    const plan = planBuffers(step.graph, new Set(Object.keys(step.graph.updates)), steps, true);
    for (const name of ['W_enc', 'W_dec']) {
      const names = [name, `adam.m.${name}`, `adam.v.${name}`];
      const updates = names.map((n) => step.graph.updates[n]);
      const loops = steps.filter(
        (s) => s.kind === 'loop' && updates.some((u) => loopOutputs(s.group).includes(u)),
      );
      expect(loops, name).toHaveLength(1);
      const [loop] = loops;
      if (loop.kind !== 'loop') throw new Error('unreachable');
      expect(loop.split).toBe(true);
      expect(loopOutputs(loop.group)).toEqual(expect.arrayContaining(updates));
      expect(loopOutputs(loop.group)).toHaveLength(3);
      for (const [i, n] of names.entries())
        expect(plan.slotOf.get(updates[i]), `${n} in place`).toBe(plan.slotOf.get(step.graph.inputs.get(n)!));
    }
  });

  it('trains to the same bits on 1, 2 and 3 threads', async () => {
    const params = initParams(cfg, new Rng(2));
    const results: Float32Array[][] = [];
    for (const threads of [1, 2, 3]) {
      const exe = createCpuBackend({ threads }).compileSync(step.graph, { state: step.initialState(params) });
      const data = new Rng(5);
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const x = Float32Array.from(data.normalArray(B * cfg.inputDim));
        losses.push(exe.runSync({ x, w: rowWeights(new Float32Array(B), B) }).loss[0]);
      }
      results.push([
        Float32Array.from(losses),
        Float32Array.from(await exe.readState('W_enc')),
        Float32Array.from(await exe.readState('W_dec')),
      ]);
      exe.dispose();
    }
    expect(results[0][0].every(Number.isFinite)).toBe(true);
    // It trained: every weight moved from its initial value by Adam's steps.
    expect(results[0][2].some((v, i) => v !== params.W_dec[i])).toBe(true);
    expect(results[0][1].some((v, i) => v !== params.W_enc[i])).toBe(true);
    for (const r of results.slice(1)) for (const [i, v] of r.entries()) expect(v).toEqual(results[0][i]);
  });
});
