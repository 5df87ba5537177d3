import type { Backend } from '../backend.js';
import { type SaeConfig, validateConfig } from '../nn/config.js';
import { buildLossGraph, buildTrainStep, rowWeights } from '../nn/graphs.js';
import { PARAM_NAMES, type SaeParams } from '../nn/params.js';
import { type Comparison, compareTensors, GOLDEN_TOLERANCE, type Tolerance } from './compare.js';
import { flat, type Json, trainCaseHead } from './golden-json.js';

/** A case computed by PyTorch (see tools/test-data/golden/README.md): inputs, and what must come out. */
export interface GoldenCase {
  readonly name: string;
  readonly config: SaeConfig;
  readonly optimizer: { kind: 'adam'; lr: number; beta1: number; beta2: number; eps: number; steps: number };
  readonly params: SaeParams;
  readonly batch: Float32Array;
  readonly batchSize: number;
  readonly expect: {
    readonly hidden: Float64Array;
    readonly recon: Float64Array;
    readonly loss: { mse: number; total: number; penalty?: number };
    readonly grads: Record<string, Float64Array>;
    readonly lossPerStep: readonly number[];
    readonly paramsAfterSteps: Record<string, Float64Array>;
  };
}

/** Reads a golden document (parsed JSON, tensors as nested lists or typed arrays) into typed arrays. */
export function parseGoldenCase(doc: unknown): GoldenCase {
  const d = doc as Json;
  const cfg = d.config as Json;
  const sp = cfg.sparsity as Json | undefined;
  const config = validateConfig({
    inputDim: cfg.inputDim as number,
    hiddenDim: cfg.hiddenDim as number,
    encoder: cfg.encoder as SaeConfig['encoder'],
    decoder: cfg.decoder as SaeConfig['decoder'],
    sparsity: sp ? (sp as unknown as SaeConfig['sparsity']) : { kind: 'none' },
  });
  const e = d.expect as Json;
  const loss = e.loss as Json;
  const f64 = (o: Json) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Float64Array.from(flat(v))]));
  return {
    ...trainCaseHead<SaeConfig, GoldenCase['optimizer']>(d, config, PARAM_NAMES),
    expect: {
      hidden: Float64Array.from(flat(e.hidden)),
      recon: Float64Array.from(flat(e.recon)),
      loss: {
        mse: loss.mse as number,
        total: loss.total as number,
        penalty: (loss.kl ?? loss.l1) as number | undefined,
      },
      grads: f64(e.grads as Json),
      lossPerStep: Array.from(flat(e.lossPerStep)),
      paramsAfterSteps: f64((e.paramsAfterSteps as Json) ?? {}),
    },
  };
}

/**
 * Runs a golden case on a backend: forward, every loss part, every gradient, then the Adam steps
 * (loss at each step and the parameters after the last), each compared per tensor.
 */
export async function runGoldenCase(
  backend: Backend,
  c: GoldenCase,
  tol: Tolerance = GOLDEN_TOLERANCE,
): Promise<Comparison[]> {
  const out: Comparison[] = [];
  const n = c.batchSize;
  const w = rowWeights(new Float32Array(n), n);
  const lossExe = await backend.compile(buildLossGraph(c.config, n));
  try {
    const r = await lossExe.run({ x: c.batch, w, ...c.params });
    const cmp = (name: string, a: ArrayLike<number>, b: ArrayLike<number>) =>
      out.push(compareTensors(`${c.name} ${name}`, a, b, tol));
    cmp('hidden', r.hidden, c.expect.hidden);
    cmp('recon', r.recon, c.expect.recon);
    cmp('loss.mse', r.mse, [c.expect.loss.mse]);
    if (c.expect.loss.penalty !== undefined)
      cmp(`loss.${c.config.sparsity.kind}`, r.penalty, [c.expect.loss.penalty]);
    cmp('loss.total', r.total, [c.expect.loss.total]);
    for (const p of PARAM_NAMES) cmp(`grad ${p}`, r[`grad.${p}`], c.expect.grads[p]);
  } finally {
    lossExe.dispose();
  }
  if (c.expect.lossPerStep.length) {
    const { lr, beta1, beta2, eps, steps } = c.optimizer;
    const step = buildTrainStep(c.config, n, { kind: 'adam', lr, beta1, beta2, eps });
    const exe = await backend.compile(step.graph, { state: step.initialState(c.params) });
    try {
      const losses: number[] = [];
      for (let i = 0; i < steps; i++) losses.push((await exe.run({ x: c.batch, w })).loss[0]);
      out.push(compareTensors(`${c.name} adam loss per step`, losses, c.expect.lossPerStep, tol));
      for (const p of PARAM_NAMES) {
        out.push(
          compareTensors(
            `${c.name} adam ${p} after ${steps} steps`,
            await exe.readState(p),
            c.expect.paramsAfterSteps[p],
            tol,
          ),
        );
      }
    } finally {
      exe.dispose();
    }
  }
  return out;
}
