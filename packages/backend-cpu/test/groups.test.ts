import { add, buildTrainStep, exp, Graph, input, mul, Rng, SEED_CONFIG, sum } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { planFusion } from '../src/fuse.js';
import { type LoopGroup, planGroups } from '../src/groups.js';
import { createCpuBackend } from '../src/index.js';
import { schedule } from '../src/schedule.js';

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + 1e-30));
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m;
}

function groups(graph: Graph): LoopGroup[] {
  const { fused, kernels } = planFusion(graph, true);
  return planGroups(graph, schedule(graph), kernels, fused, (n) => kernels.get(n)?.leaves ?? n.inputs, true);
}

/** The members a loop writes to buffers. */
const stored = (g: LoopGroup) => g.storeOf.map((i) => g.members[i]);

describe('loop groups', () => {
  it('the seed step runs the decoder output, its error, squared error, per-example error and gradient as one loop, and each Adam update as one', () => {
    const g = groups(buildTrainStep(SEED_CONFIG, 32, { kind: 'adam', lr: 1e-3 }).graph);
    const kinds = (grp: LoopGroup) => grp.members.map((m) => m.op.kind).join(',');
    expect(
      g.some(
        (grp) =>
          kinds(grp) === 'sigmoid,sub,mul,mul' &&
          grp.members[0].shape.join() === '32,784' &&
          grp.storeOf.length === 1 && // the gradient; the per-example error is a row sum of the loop
          grp.rowSums.length === 1,
      ),
    ).toBe(true);
    // Adam on each weight: first moment, second moment, guarded parameter update (the step sizes
    // they read are hoisted to the start of the step, schedule.ts).
    for (const shape of ['64,784', '784,64'])
      expect(g.some((grp) => grp.members.length === 3 && grp.members[0].shape.join() === shape)).toBe(true);
    // Every kernel root is in exactly one group.
    const members = g.flatMap((grp) => grp.members);
    expect(new Set(members).size).toBe(members.length);
  });

  it('a member read only by later members is never stored, and the results match running each op alone', () => {
    const x = input('x', [300, 200]);
    const y = exp(x); // read twice, both readers in the same loop
    const graph = Graph.from({ outputs: { a: mul(y, 2), b: add(y, 1) } });
    const [grp] = groups(graph);
    expect(grp.members).toHaveLength(3);
    expect(stored(grp)).toHaveLength(2);
    expect(stored(grp)).not.toContain(y);
    const feed = { x: Float32Array.from(new Rng(1).normalArray(300 * 200)) };
    const got = createCpuBackend({ threads: 2 }).compileSync(graph).runSync(feed);
    const want = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph).runSync(feed);
    // Within float32 rounding: in the loop, y stays a float64 local instead of a rounded float32 load.
    expect(maxRelDiff(got.a, want.a)).toBeLessThan(1e-6);
    expect(maxRelDiff(got.b, want.b)).toBeLessThan(1e-6);
  });

  it('a row sum of a member is taken inside a two-dimensional loop, on one thread or two, and the member is not stored', () => {
    const x = input('x', [300, 200]);
    const bias = input('bias', [200]); // a broadcast operand keeps the loop two-dimensional
    const d = add(x, bias);
    const graph = Graph.from({ outputs: { s: sum(mul(d, d), [1], true), d } });
    const grp = groups(graph).find((g) => g.members.includes(d))!;
    expect(grp.rowSums).toHaveLength(1);
    expect(stored(grp)).toEqual([d]); // d is an output; d·d lives only in the loop
    const rng = new Rng(3);
    const feed = {
      x: Float32Array.from(rng.normalArray(300 * 200)),
      bias: Float32Array.from(rng.normalArray(200)),
    };
    const want = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph).runSync(feed);
    for (const threads of [1, 2]) {
      const got = createCpuBackend({ threads }).compileSync(graph).runSync(feed);
      expect(maxRelDiff(got.s, want.s)).toBeLessThan(1e-6);
      expect(got.d).toEqual(want.d);
    }
    // Same-shape operands only: the loop is one-dimensional and the sum stays a step of its own.
    const y = add(x, x);
    const flat = Graph.from({ outputs: { s: sum(mul(y, y), [1]) } });
    expect(groups(flat).every((g) => g.rowSums.length === 0)).toBe(true);
    const fx = { x: feed.x };
    expect(
      maxRelDiff(
        createCpuBackend().compileSync(flat).runSync(fx).s,
        createCpuBackend({ fuse: false }).compileSync(flat).runSync(fx).s,
      ),
    ).toBeLessThan(1e-6);
  });

  it('a root does not join a loop that starts before one of its operands is computed', () => {
    const x = input('x', [50, 40]);
    const y = exp(x);
    const s = sum(y); // needs all of y first
    const graph = Graph.from({ outputs: { z: mul(y, s), y } });
    const g = groups(graph);
    expect(g.find((grp) => grp.members.includes(y))!.members).toHaveLength(1);
    const feed = { x: Float32Array.from(new Rng(2).normalArray(50 * 40)) };
    const got = createCpuBackend({ threads: 1 }).compileSync(graph).runSync(feed);
    const want = createCpuBackend({ threads: 1, fuse: false }).compileSync(graph).runSync(feed);
    expect(maxRelDiff(got.z, want.z)).toBeLessThan(1e-6);
  });
});
