import {
  add,
  buildTrainStep,
  Graph,
  greater,
  initParams,
  input,
  matmul,
  mul,
  PARAM_NAMES,
  Rng,
  rowWeights,
  sqrt,
  sub,
  where,
} from '@saekit/core';
import { compareTensors, formatComparisons } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, decodeModel, lowerGraph } from '../src/index.js';
import { cpu, SMALL } from './helpers.js';

describe('merged update groups', () => {
  it('lowers the four Adam updates of a train step once, over contiguous state', () => {
    const step = buildTrainStep(SMALL, 4, { kind: 'adam', lr: 1e-3 });
    const l = lowerGraph(step.graph, { mergeUpdates: true });
    expect(l.merged).toHaveLength(3); // parameters, first moments, second moments
    const [params, m, v] = l.merged!;
    expect(params.entries.map((e) => e.name)).toEqual([...PARAM_NAMES]);
    expect(params.entries.every((e) => e.fed)).toBe(true); // the forward pass reads them
    expect(m.entries.map((e) => e.name)).toEqual(PARAM_NAMES.map((p) => `adam.m.${p}`));
    expect([...m.entries, ...v.entries].some((e) => e.fed)).toBe(false);
    expect(params.size).toBe(13 * 5 + 5 + 5 * 13 + 13);
    const inputs = l.graph.input!.map((i) => i.name);
    expect(inputs).not.toContain('adam.m.W_enc');
    expect(inputs).toContain('W_enc');
    expect(Object.keys(l.updates)).toEqual(['adam.t']);
    const ops = l.graph.node!.map((n) => n.op_type);
    expect(ops.filter((o) => o === 'Sqrt')).toHaveLength(2); // one merged, one for the bias correction
    expect(ops.filter((o) => o === 'If')).toHaveLength(1);
  });

  it('leaves a family alone when a value inside it is also an output, or its chain differs', async () => {
    const a = input('a', [3]);
    const b = input('b', [4]);
    const c = input('c', [5]);
    const a2 = mul(a, 2);
    const g = Graph.from({
      outputs: { seen: a2 },
      updates: { a: sub(a, a2), b: sub(b, mul(b, 2)), c: sqrt(add(c, 1)) },
    });
    const l = lowerGraph(g, { mergeUpdates: true });
    expect(l.merged).toBeUndefined(); // a's chain is read by an output (a is then alone with b); c differs
    const g2 = Graph.from({
      outputs: {},
      updates: { a: sub(a, mul(a, 2)), b: sub(b, mul(b, 2)), c: sqrt(add(c, 1)) },
    });
    const l2 = lowerGraph(g2, { mergeUpdates: true });
    expect(l2.merged?.map((m) => m.entries.map((e) => e.name))).toEqual([['a', 'b']]);
    // An update that adds a product (add(matmul, p), a Gemm elsewhere) merges; the product is a leaf.
    const k = input('k', [3, 2]);
    const j = input('j', [2, 2]);
    const g4 = Graph.from({
      outputs: {},
      updates: { k: add(matmul(k, j), mul(k, 0.5)), j: add(matmul(j, j), mul(j, 0.5)) },
    });
    expect(lowerGraph(g4, { mergeUpdates: true }).merged?.[0].entries.map((e) => e.name)).toEqual(['k', 'j']);
    const feeds = { k: Float32Array.of(1, 2, 3, 4, 5, 6), j: Float32Array.of(1, -1, 2, 0.5) };
    const onnx = await createOnnxBackend({ threads: 1 }).compile(g4, { state: feeds });
    const ref = await cpu.compile(g4, { state: feeds });
    for (const exe of [onnx, ref]) await exe.run({});
    expect([...(await onnx.readState('k'))]).toEqual([...(await ref.readState('k'))]);
    expect([...(await onnx.readState('j'))]).toEqual([...(await ref.readState('j'))]);
    // A merged state that is also an output stays an input (a view of its part) for that output.
    const g3 = Graph.from({ outputs: { a }, updates: { a: sub(a, mul(a, 2)), b: sub(b, mul(b, 2)) } });
    expect(lowerGraph(g3, { mergeUpdates: true }).merged?.[0].entries.map((e) => e.fed)).toEqual([
      true,
      false,
    ]);
    expect(() => lowerGraph(g2, { mergeUpdates: true, dynamicBatch: { inputs: ['a'] } })).toThrow(
      /dynamicBatch/,
    );
  });

  it('merges chains whose where reads a tensor condition, testing the concatenated condition', async () => {
    const a = input('a', [3]);
    const b = input('b', [4]);
    const step = (s: typeof a, g: typeof a) => where(greater(g, 0), sub(s, mul(g, 0.5)), s);
    const ga = input('ga', [3]);
    const gb = input('gb', [4]);
    const g = Graph.from({ outputs: {}, updates: { a: step(a, ga), b: step(b, gb) } });
    expect(lowerGraph(g, { mergeUpdates: true }).merged?.map((m) => m.entries.map((e) => e.name))).toEqual([
      ['a', 'b'],
    ]);
    const state = { a: Float32Array.of(1, 2, 3), b: Float32Array.of(1, 2, 3, 4) };
    const exe = await createOnnxBackend({ threads: 1 }).compile(g, { state });
    await exe.run({ ga: Float32Array.of(1, -1, 2), gb: Float32Array.of(-1, 1, 0, 4) });
    expect([...(await exe.readState('a'))]).toEqual([0.5, 2, 2]);
    expect([...(await exe.readState('b'))]).toEqual([1, 1.5, 3, 2]);
    exe.dispose();
  });

  for (const [name, opt, guard] of [
    ['Adam with the guard', { kind: 'adam', lr: 1e-2 }, true],
    ['SGD without the guard', { kind: 'sgd', lr: 0.1 }, false],
  ] as const) {
    it(`${name}: 5 steps, then state written and read back, match the CPU backend`, async () => {
      const step = buildTrainStep(SMALL, 4, opt, { guard });
      const exes = await Promise.all(
        [cpu, createOnnxBackend({ threads: 1 })].map((be) =>
          be.compile(step.graph, { state: step.initialState(initParams(SMALL, new Rng(0))) }),
        ),
      );
      const w = rowWeights(new Float32Array(4), 4);
      const rng = new Rng(3);
      const xs = Array.from({ length: 6 }, () => rng.uniformArray(4 * 13, 0, 0.25));
      const res: Record<string, Float32Array>[][] = [[], []];
      for (const [i, exe] of exes.entries()) {
        for (const [s, x] of xs.entries()) {
          // After 5 steps, a parameter and a moment are replaced on both backends.
          if (s === 5) {
            exe.writeState('W_dec', new Rng(9).uniformArray(5 * 13, -0.1, 0.1));
            if (opt.kind === 'adam') exe.writeState('adam.v.b_dec', new Float32Array(13).fill(1e-4));
          }
          const out = await exe.run({ x, w });
          res[i].push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float32Array.from(v)])));
        }
      }
      const tol = { atol: 1e-7, rtol: 1e-4 };
      const cs = res[0].flatMap((want, s) =>
        Object.keys(want).map((k) => compareTensors(`step ${s} ${k}`, res[1][s][k], want[k], tol)),
      );
      for (const n of step.graph.inputs.keys()) {
        if (n === 'x' || n === 'w') continue;
        cs.push(compareTensors(n, await exes[1].readState(n), await exes[0].readState(n), tol));
      }
      expect(
        cs.filter((c) => !c.pass),
        formatComparisons(cs),
      ).toEqual([]);
      const model = decodeModel(
        (exes[1] as Awaited<ReturnType<ReturnType<typeof createOnnxBackend>['compile']>>).modelBytes,
      );
      expect(model.graph!.input!.some((i) => i.name!.startsWith('saekit.merged_'))).toBe(true);
      for (const e of exes) e.dispose();
    });
  }
});
