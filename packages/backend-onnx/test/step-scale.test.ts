import { add, buildTrainStep, div, Graph, input, mul, Rng, type SaeConfig, sqrt, sub } from '@saekit/core';
import { compareTensors, createReferenceBackend, formatComparisons } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, lowerGraph } from '../src/index.js';
import { STEP_SCALE_MIN_SIZE } from '../src/lower/step-scale.js';
import { SMALL } from './helpers.js';

// Adam's merged step as m / (sqrt(v) + eps/r) · (s/r) (lower/step-scale.ts), for large groups.
const LARGE: SaeConfig = {
  ...SMALL,
  decoder: 'identity',
  sparsity: { kind: 'none' },
  inputDim: 600,
  hiddenDim: 900,
};
const B = 4;

/** The op types that read `name` in the lowered graph of `cfg`'s Adam step. */
function readersOfMoments(cfg: SaeConfig): { m: string[]; v: string[]; sqrt: string[] } {
  const l = lowerGraph(buildTrainStep(cfg, B, { kind: 'adam', lr: 1e-3 }).graph, { mergeUpdates: true });
  const nodes = l.graph.node ?? [];
  const readers = (name: string) => nodes.filter((n) => n.input?.includes(name)).map((n) => n.op_type ?? '');
  const [, m, v] = l.merged!;
  const sqrt = nodes.find((n) => n.input?.includes(v.output))?.output?.[0] ?? '';
  return { m: readers(m.output), v: readers(v.output), sqrt: readers(sqrt) };
}

describe("Adam's merged step with its scalars folded", () => {
  it('reads the new moments once each in a large group: no full-size Mul scales m or sqrt(v)', () => {
    const size = 2 * LARGE.inputDim * LARGE.hiddenDim + LARGE.inputDim + LARGE.hiddenDim;
    expect(size).toBeGreaterThanOrEqual(STEP_SCALE_MIN_SIZE);
    expect(readersOfMoments(LARGE)).toEqual({ m: ['Div'], v: ['Sqrt'], sqrt: ['Add'] });
  });

  it("keeps core's form in a small group (a node's fixed cost outweighs a pass there)", () => {
    expect(readersOfMoments(SMALL)).toEqual({ m: ['Mul'], v: ['Sqrt'], sqrt: ['Mul'] });
  });

  it("computes core's form: two families of a large group, against the float32 reference", async () => {
    // p <- p - (m s) / (sqrt(v) r + eps) with m, v away from zero, so the forms differ by rounding.
    const n = STEP_SCALE_MIN_SIZE / 2 + 1;
    const [s, r] = [input('s', []), input('r', [])];
    const updates: Record<string, ReturnType<typeof input>> = {};
    for (const name of ['a', 'b']) {
      const [p, m, v] = [input(name, [n]), input(`m_${name}`, [n]), input(`v_${name}`, [n])];
      updates[name] = sub(p, div(mul(m, s), add(mul(sqrt(v), r), 1e-3)));
    }
    const graph = Graph.from({ outputs: {}, updates });
    // Folded: one Mul (by s/r) where core's form has two (m by s, sqrt(v) by r).
    const ops = (lowerGraph(graph, { mergeUpdates: true }).graph.node ?? []).map((x) => x.op_type);
    expect(ops.filter((o) => o === 'Mul')).toHaveLength(1);
    const rng = new Rng(2);
    const state = Object.fromEntries(['a', 'b'].map((k) => [k, rng.uniformArray(n, -1, 1)]));
    const feeds = {
      s: Float32Array.of(0.01),
      r: Float32Array.of(1.7),
      ...Object.fromEntries(
        ['a', 'b'].flatMap((k) => [
          [`m_${k}`, rng.uniformArray(n, -1, 1)],
          [`v_${k}`, rng.uniformArray(n, 0.5, 2)],
        ]),
      ),
    };
    const onnx = await createOnnxBackend({ threads: 1 }).compile(graph, { state });
    const ref = await createReferenceBackend({ float32: true }).compile(graph, { state });
    await Promise.all([onnx.run(feeds), ref.run(feeds)]);
    const cs = [];
    for (const k of ['a', 'b'])
      cs.push(compareTensors(k, await onnx.readState(k), await ref.readState(k), { atol: 1e-7, rtol: 1e-6 }));
    expect(
      cs.filter((c) => !c.pass),
      formatComparisons(cs),
    ).toEqual([]);
    onnx.dispose();
  });
});
