import { buildTrainStep, initParams, Rng, rowWeights, type SaeConfig } from '@saekit/core';
import { compareTensors, formatComparisons } from '@saekit/core/testing';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { cpu, ENGINES, tfjsBackend } from './helpers.js';

const config: SaeConfig = {
  inputDim: 32,
  hiddenDim: 16,
  encoder: 'relu',
  decoder: 'sigmoid',
  sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
};
const batch = 16;

function setup() {
  const step = buildTrainStep(config, batch, { kind: 'adam', lr: 1e-3 });
  const state = step.initialState(initParams(config, new Rng(0)));
  const x = new Rng(1).uniformArray(batch * config.inputDim);
  const w = rowWeights(new Float32Array(batch), batch);
  return { step, state, x, w };
}

for (const engine of ENGINES) {
  describe(`training steps on tfjs-${engine}`, () => {
    it('hold no more tensors at step 500 than at step 10 (state and constants only), none after dispose', async () => {
      const be = await tfjsBackend(engine);
      const { step, state, x, w } = setup();
      const baseline = tf.memory().numTensors;
      const exe = await be.compile(step.graph, { state });
      const kept = Object.keys(state).length + (step.graph.opCounts().const ?? 0);
      expect(tf.memory().numTensors).toBe(baseline + kept);
      let first = 0;
      let last = 0;
      let at10 = { numTensors: -1, numBytes: -1 };
      for (let i = 1; i <= 500; i++) {
        const r = await exe.run({ x, w });
        if (i === 1) first = r.loss[0];
        last = r.loss[0];
        expect(r.ok[0], `step ${i} not finite`).toBe(1);
        if (i === 10) at10 = { numTensors: tf.memory().numTensors, numBytes: tf.memory().numBytes };
      }
      expect(at10.numTensors).toBe(baseline + kept);
      expect(tf.memory().numTensors).toBe(at10.numTensors);
      expect(tf.memory().numBytes).toBe(at10.numBytes);
      expect(last).toBeLessThan(first); // it does train
      exe.dispose();
      expect(tf.memory().numTensors).toBe(baseline);
      exe.dispose(); // twice is harmless
      expect(tf.memory().numTensors).toBe(baseline);
    });

    it('follows the CPU backend step by step (loss and parameters after 20 Adam steps)', async () => {
      const be = await tfjsBackend(engine);
      const { step, state, x, w } = setup();
      const a = await be.compile(step.graph, { state });
      const b = await cpu.compile(step.graph, { state });
      const la: number[] = [];
      const lb: number[] = [];
      for (let i = 0; i < 20; i++) {
        la.push((await a.run({ x, w })).loss[0]);
        lb.push((await b.run({ x, w })).loss[0]);
      }
      const res = [compareTensors('loss per step', la, lb, { atol: 1e-6, rtol: 1e-5 })];
      for (const p of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) {
        res.push(
          compareTensors(`${p} after 20 steps`, await a.readState(p), await b.readState(p), {
            atol: 1e-6,
            rtol: 1e-4,
          }),
        );
      }
      expect(
        res.filter((r) => !r.pass),
        formatComparisons(res),
      ).toEqual([]);
      a.dispose();
    });
  });
}
