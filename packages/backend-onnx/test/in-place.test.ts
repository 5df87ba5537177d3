import { add, buildTrainStep, Graph, input, mul, SEED_CONFIG, sub, sum } from '@saekit/core';
import { createReferenceBackend } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { canUpdateInPlace } from '../src/in-place.js';
import { createOnnxBackend } from '../src/index.js';

describe('state updated in place', () => {
  it('is allowed for a training step (every read of a parameter feeds its update)', () => {
    const step = buildTrainStep(SEED_CONFIG, 4, { kind: 'adam', lr: 1e-3 });
    const names = Object.keys(step.graph.updates);
    expect(canUpdateInPlace(step.graph, names)).toBe(true);
  });

  it('is refused when an output reads the state without feeding the update, or is the state', () => {
    const p = input('p', [3]);
    const g = input('g', [3]);
    const update = sub(p, mul(g, 0.1));
    expect(
      canUpdateInPlace(Graph.from({ outputs: { norm: sum(mul(p, p)) }, updates: { p: update } }), ['p']),
    ).toBe(false);
    expect(canUpdateInPlace(Graph.from({ outputs: { p }, updates: { p: update } }), ['p'])).toBe(false);
    expect(
      canUpdateInPlace(Graph.from({ outputs: { y: sum(add(update, 1)) }, updates: { p: update } }), ['p']),
    ).toBe(true);
  });

  it('an output read beside the update sees the old state (two merged groups, one refused)', async () => {
    // Two parameters with alike update chains merge into one group; `norm` reads the old `a`.
    const a = input('a', [5]);
    const b = input('b', [5]);
    const g = input('g', [5]);
    const graph = Graph.from({
      outputs: { norm: sum(mul(a, a)) },
      updates: { a: sub(a, mul(g, 0.5)), b: sub(b, mul(g, 0.25)) },
    });
    const state = { a: Float32Array.of(1, 2, 3, 4, 5), b: Float32Array.of(5, 4, 3, 2, 1) };
    const feeds = { g: Float32Array.of(1, 1, 1, 1, 1) };
    const onnx = await createOnnxBackend().compile(graph, { state });
    const ref = await createReferenceBackend({ float32: true }).compile(graph, { state });
    for (let i = 0; i < 3; i++) {
      const [x, y] = [await onnx.run(feeds), await ref.run(feeds)];
      expect([...x.norm]).toEqual([...y.norm]);
    }
    expect([...(await onnx.readState('a'))]).toEqual([...(await ref.readState('a'))]);
    onnx.dispose();
  });
});
