import {
  add,
  buildLossGraph,
  constant,
  Graph,
  initParams,
  input,
  matmul,
  PARAM_NAMES,
  Rng,
  reshape,
  rowWeights,
  type SaeConfig,
  sum,
} from '@saekit/core';
import { compareTensors, formatComparisons } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { buildModel, DynamicBatchError, encodeModelProto, lowerGraph, MAX_OPSET } from '../src/index.js';
import { batchShapes, isBatchDim } from '../src/lower/batch.js';
import { ort } from '../src/ort.js';
import { cpu, randn, runOnce, SMALL } from './helpers.js';

const TOPK: SaeConfig = {
  inputDim: 13,
  hiddenDim: 6,
  encoder: 'topk',
  k: 2,
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 0.01 },
};

async function session(graph: Graph, dynamic: string[], opset = 17): Promise<ort.InferenceSession> {
  const bytes = encodeModelProto(buildModel(lowerGraph(graph, { opset, dynamicBatch: { inputs: dynamic } })));
  return ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
}

describe('dynamic batch', () => {
  for (const [name, c] of [
    ['relu + KL', SMALL],
    ['topk + L1', TOPK],
  ] as const) {
    for (const opset of [17, MAX_OPSET]) {
      it(`a whole loss + gradient graph (${name}), built at batch 7, runs at batch 1, 2, 7 and 11 (opset ${opset})`, async () => {
        const s = await session(buildLossGraph(c, 7), ['x', 'w'], opset);
        const rng = new Rng(3);
        const params = initParams(c, rng);
        for (const b of [1, 2, 7, 11]) {
          const x = rng.uniformArray(b * c.inputDim, 0, 1);
          const w = rowWeights(new Float32Array(b), b);
          const want = await runOnce(cpu, buildLossGraph(c, b), { x, w, ...params });
          const feeds: Record<string, ort.Tensor> = {
            x: new ort.Tensor('float32', x, [b, c.inputDim]),
            w: new ort.Tensor('float32', w, [b, 1]),
          };
          const dims = {
            W_enc: [c.inputDim, c.hiddenDim],
            b_enc: [c.hiddenDim],
            W_dec: [c.hiddenDim, c.inputDim],
            b_dec: [c.inputDim],
          };
          for (const p of PARAM_NAMES) feeds[p] = new ort.Tensor('float32', params[p], dims[p]);
          const got = await s.run(feeds);
          expect(got.hidden.dims).toEqual([b, c.hiddenDim]);
          const cs = Object.keys(want).map((k) =>
            compareTensors(`batch ${b} ${k}`, got[k].data as Float32Array, want[k], {
              atol: 1e-6,
              rtol: 1e-5,
            }),
          );
          expect(
            cs.filter((x) => !x.pass),
            formatComparisons(cs),
          ).toEqual([]);
        }
        await s.release();
      });
    }
  }

  it('finds the batch axes of every node: at another batch size they are the shapes of the graph built there', () => {
    for (const c of [SMALL, TOPK]) {
      const sym = batchShapes(buildLossGraph(c, 7), ['x', 'w']);
      const at11 = buildLossGraph(c, 11).nodes;
      const shapes = [...sym.values()];
      expect(shapes).toHaveLength(at11.length);
      const eval11 = shapes.map((s) => s.map((d) => (isBatchDim(d) ? d.times * 11 : d)));
      expect(eval11).toEqual(at11.map((n) => [...n.shape]));
      expect(shapes.some((s) => s.some(isBatchDim))).toBe(true);
      expect(shapes.some((s) => s.length > 0 && !s.some(isBatchDim))).toBe(true);
    }
  });

  it('reshapes that fold the batch into another axis and back', async () => {
    const x = input('x', [4, 6]);
    const flat = reshape(x, [24]);
    const back = reshape(add(flat, 1), [8, 3]); // [2B, 3]
    const g = Graph.from({ outputs: { flat, back, total: sum(back, [0], true) } });
    const s = await session(g, ['x']);
    for (const b of [1, 3, 5]) {
      const v = randn(new Rng(b), [b, 6]);
      const out = await s.run({ x: new ort.Tensor('float32', v, [b, 6]) });
      expect(out.flat.dims).toEqual([6 * b]);
      expect(out.back.dims).toEqual([2 * b, 3]);
      expect([...(out.back.data as Float32Array)]).toEqual([...v].map((t) => Math.fround(t + 1)));
    }
    await s.release();
  });

  it('refuses a graph that depends on the batch size, naming the node', () => {
    const x = input('x', [4, 3]);
    const g = Graph.from({ outputs: { y: add(x, constant(new Float32Array(12), [4, 3])) } });
    expect(() => lowerGraph(g, { dynamicBatch: { inputs: ['x'] } })).toThrow(DynamicBatchError);
    expect(() => lowerGraph(g, { dynamicBatch: { inputs: ['x'] } })).toThrow(
      /add#\d+.*fixed size meets the batch/,
    );
    const m = Graph.from({
      outputs: { y: matmul(input('a', [4, 3]), input('b', [4, 3]), { transA: true }) },
    });
    expect(() => lowerGraph(m, { dynamicBatch: { inputs: ['a'] } })).toThrow(
      /matmul#\d+.*combines \[batch,3\] and \[4,3\]: a fixed size meets the batch/,
    );
    const one = Graph.from({ outputs: { y: input('x', [1, 3]) } });
    expect(() => lowerGraph(one, { dynamicBatch: { inputs: ['x'] } })).toThrow(/at least 2/);
  });
});
