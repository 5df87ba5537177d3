import { buildTrainStep, type Node, SEED_CONFIG } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { planSteps } from '../src/passes.js';
import { stepOutputs, stepReads } from '../src/steps.js';

const graph = buildTrainStep(SEED_CONFIG, 64, { kind: 'adam', lr: 1e-3 }).graph;

describe('the planning passes', () => {
  for (const fuse of [true, false])
    for (const fastMath of [true, false])
      it(`give a list where each value is written once, before it is read (fuse ${fuse}, float32 ${fastMath})`, () => {
        const steps = planSteps(graph, { fuse, fastMath, threads: 2 });
        const written = new Set<Node>();
        for (const s of steps) {
          for (const r of stepReads(s)) {
            const ready = r.op.kind === 'input' || r.op.kind === 'const' || written.has(r);
            expect(ready, `${s.kind} reads ${r.op.kind} [${r.shape}] before it is written`).toBe(true);
          }
          for (const o of stepOutputs(s)) {
            expect(written.has(o)).toBe(false);
            written.add(o);
          }
        }
        // Every output and state update is written by some step (a loop stores them), or is an input.
        for (const n of [...Object.values(graph.outputs), ...Object.values(graph.updates)])
          expect(written.has(n) || n.op.kind === 'input').toBe(true);
        // Fusion's elementwise steps never survive grouping; masking only on float32 with fusion.
        expect(steps.some((s) => s.kind === 'elementwise')).toBe(false);
        const masked = steps.filter((s) => s.kind === 'masked' || s.kind === 'maskedPair');
        expect(masked.length).toBe(fuse && fastMath ? 1 : 0);
      });

  it('split only on a pool, and only large steps', () => {
    expect(
      planSteps(graph, { fuse: true, fastMath: true, threads: 1 }).some((s) => 'split' in s && s.split),
    ).toBe(false);
    const steps = planSteps(graph, { fuse: true, fastMath: true, threads: 2 });
    const split = steps.filter((s) => 'split' in s && s.split);
    expect(split.length).toBeGreaterThan(0);
    // A scalar step never splits.
    for (const s of split) expect(stepOutputs(s).some((o) => o.size > 1)).toBe(true);
  });
});
