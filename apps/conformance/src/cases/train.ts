import { type Backend, buildTrainStep, type Formulation, PARAM_NAMES, type SaeConfig } from '@saekit/core';
import { type Comparison, compareTensors } from '@saekit/core/testing';
import { TRAIN_TOLERANCE } from '../tolerances.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { modelName, type SaeData, saeConfig, saeData } from './sae-data.js';

export const TRAIN_STEPS = 20;

/** Runs `steps` Adam steps (defaults: lr 1e-3) on one batch: the loss of each step, the final parameters. */
export async function trainSteps(
  backend: Backend,
  config: SaeConfig,
  data: SaeData,
  steps: number,
  formulation: Formulation = 'dense',
): Promise<{ losses: number[]; params: Record<string, Float32Array> }> {
  const batch = data.w.length;
  const step = buildTrainStep(config, batch, { kind: 'adam', lr: 1e-3 }, { formulation });
  const exe = await backend.compile(step.graph, { state: step.initialState(data.params) });
  try {
    const losses: number[] = [];
    for (let i = 0; i < steps; i++) {
      const out = await exe.run({ x: data.x, w: data.w });
      losses.push(out.loss[0]);
    }
    const params: Record<string, Float32Array> = {};
    for (const p of PARAM_NAMES) params[p] = await exe.readState(p);
    return { losses, params };
  } finally {
    exe.dispose();
  }
}

/**
 * `TRAIN_STEPS` Adam steps from one seeded init on the backend and on the float32 CPU backend:
 * the loss at every step and the parameters after the last. With `sparse`, the backend trains the
 * sparse TopK graph and the baseline the dense one.
 */
export function trainCase(
  config: SaeConfig,
  steps = TRAIN_STEPS,
  formulation: Formulation = 'dense',
): ConformanceCase {
  const name = `adam ${steps} steps ${modelName(config)}${formulation === 'sparse' ? ' sparse' : ''}`;
  return {
    group: 'train',
    name,
    async run(backend: Backend, ctx: CaseContext) {
      const data = saeData(config, `train/${name}`);
      const expected = await trainSteps(ctx.f32Baseline, config, data, steps);
      const actual = await trainSteps(backend, config, data, steps, formulation);
      const out: Comparison[] = [
        compareTensors('loss per step', actual.losses, expected.losses, TRAIN_TOLERANCE),
      ];
      for (const p of PARAM_NAMES)
        out.push(
          compareTensors(`${p} after ${steps} steps`, actual.params[p], expected.params[p], TRAIN_TOLERANCE),
        );
      return out;
    },
  };
}

/** The seed recipe and two other corners of the config space. */
export function trainCases(): ConformanceCase[] {
  const topk = saeConfig({ encoder: 'topk', decoder: 'identity', sparsity: { kind: 'l1', weight: 0.01 } });
  return [
    ...[
      saeConfig({ encoder: 'relu', decoder: 'sigmoid', sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 } }),
      topk,
      saeConfig({ encoder: 'sigmoid', decoder: 'sigmoid', sparsity: { kind: 'none' } }),
    ].map((c) => trainCase(c)),
    trainCase(topk, TRAIN_STEPS, 'sparse'),
  ];
}
