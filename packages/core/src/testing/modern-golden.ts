import type { Backend } from '../backend.js';
import { buildForwardGraph, rowWeights } from '../nn/graphs.js';
import type { ModernSaeConfig } from '../nn/modern-config.js';
import { buildModernLossGraph, type ModernGraphOptions } from '../nn/modern-graphs.js';
import { modernConfigFromSaeLens } from '../nn/modern-saelens.js';
import { buildModernTrainStep } from '../nn/modern-train.js';
import { type AnyParamName, paramNamesOf, type SaeParams, trainedParamNames } from '../nn/params.js';
import { type Comparison, compareTensors, GOLDEN_TOLERANCE, type Tolerance } from './compare.js';
import { flat, type Json, trainCaseHead } from './golden-json.js';

type Tensors = Record<string, Float64Array>;

/** A `kind: "train"` case of shared/golden/modern (its README is the spec), read into typed arrays. */
export interface ModernGoldenCase {
  readonly name: string;
  readonly config: ModernSaeConfig;
  readonly optimizer: {
    kind: 'adam';
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    steps: number;
    decoderUnitNorm: boolean;
    gradClip: number | null;
  };
  readonly params: SaeParams;
  readonly batch: Float32Array;
  readonly batchSize: number;
  readonly inputs: { dead?: Float32Array; topkThreshold?: number; inferenceThreshold?: number };
  readonly expect: {
    readonly tensors: Tensors;
    readonly loss: Readonly<Record<string, number>>;
    readonly grads: Tensors;
    readonly lossPerStep: readonly number[];
    readonly paramsAfterSteps: Tensors;
    readonly thresholdPerStep?: readonly number[];
    readonly threshold?: Float64Array;
    readonly innerRecon: Tensors;
    readonly inference?: { threshold: number; tensors: Tensors };
    readonly inferenceAfterSteps?: { threshold: number; tensors: Tensors };
    readonly gradWDecProjected?: Float64Array;
  };
}

const f64s = (o: unknown, skip: readonly string[] = []): Tensors =>
  Object.fromEntries(
    Object.entries((o as Json | undefined) ?? {})
      .filter(([k]) => !skip.includes(k))
      .map(([k, v]) => [k, Float64Array.from(flat(v))]),
  );
const inference = (o: unknown) =>
  o ? { threshold: (o as Json).threshold as number, tensors: f64s(o, ['threshold']) } : undefined;

/** Whether a parsed golden document is a modern case (its config names an architecture). */
export const isModernGoldenDoc = (doc: unknown): boolean =>
  typeof ((doc as Json).config as Json | undefined)?.architecture === 'string';

/** Reads a modern train case (tensors as nested lists or flat typed arrays). */
export function parseModernGoldenCase(doc: unknown): ModernGoldenCase {
  const d = doc as Json;
  if (d.kind !== 'train')
    throw new Error(`golden case ${String(d.name)}: kind "${String(d.kind)}" is not "train"`);
  const config = modernConfigFromSaeLens(d.config as Json);
  const head = trainCaseHead<ModernSaeConfig, ModernGoldenCase['optimizer']>(d, config, paramNamesOf(config));
  const inp = (d.inputs as Json | undefined) ?? {};
  const e = d.expect as Json;
  const tensors = f64s(e, [
    'loss',
    'grads',
    'lossPerStep',
    'paramsAfterSteps',
    'thresholdPerStep',
    'threshold',
  ]);
  for (const k of ['innerRecon', 'inference', 'inferenceAfterSteps', 'gradWDecProjected']) delete tensors[k];
  return {
    ...head,
    inputs: {
      dead: inp.dead === undefined ? undefined : Float32Array.from(flat(inp.dead)),
      topkThreshold: inp.topk_threshold as number | undefined,
      inferenceThreshold: inp.inferenceThreshold as number | undefined,
    },
    expect: {
      tensors,
      loss: e.loss as Record<string, number>,
      grads: f64s(e.grads),
      lossPerStep: Array.from(flat(e.lossPerStep)),
      paramsAfterSteps: f64s(e.paramsAfterSteps),
      thresholdPerStep: e.thresholdPerStep ? Array.from(flat(e.thresholdPerStep)) : undefined,
      threshold: e.threshold ? Float64Array.from(flat(e.threshold)) : undefined,
      innerRecon: f64s(e.innerRecon),
      inference: inference(e.inference),
      inferenceAfterSteps: inference(e.inferenceAfterSteps),
      gradWDecProjected: e.gradWDecProjected ? Float64Array.from(flat(e.gradWDecProjected)) : undefined,
    },
  };
}

/**
 * Runs a modern case on a backend: forward, every loss part, every gradient, then the optimizer
 * steps (loss per step, θ per step, W_dec's projected gradient, parameters after), then inference
 * (batchtopk family) at the initial parameters and after the steps; each compared per tensor.
 */
export async function runModernGoldenCase(
  backend: Backend,
  c: ModernGoldenCase,
  tol: Tolerance = GOLDEN_TOLERANCE,
  graphOptions: ModernGraphOptions = {},
): Promise<Comparison[]> {
  const out: Comparison[] = [];
  // An output the graph does not have compares as empty: a failure, not a skip.
  const cmp = (name: string, a: ArrayLike<number> | undefined, b: ArrayLike<number>) =>
    out.push(compareTensors(`${c.name} ${name}`, a ?? [], b, tol));
  const n = c.batchSize;
  const w = rowWeights(new Float32Array(n), n);
  const dead: Record<string, Float32Array> = c.inputs.dead ? { dead: c.inputs.dead } : {};
  const trained = trainedParamNames(c.config);
  const lossExe = await backend.compile(buildModernLossGraph(c.config, n, graphOptions));
  try {
    const r = await lossExe.run({ x: c.batch, w, ...dead, ...pick(c.params, trained) });
    for (const [k, v] of Object.entries(c.expect.tensors)) cmp(k, r[k], v);
    for (const [k, v] of Object.entries(c.expect.loss))
      cmp(`loss.${k}`, r[k === 'total' ? 'total' : `loss.${k}`], [v]);
    for (const [k, v] of Object.entries(c.expect.innerRecon)) cmp(`innerRecon.${k}`, r[`innerRecon.${k}`], v);
    for (const [k, v] of Object.entries(c.expect.grads)) cmp(`grad ${k}`, r[`grad.${k}`], v);
    if (c.expect.threshold && c.params.log_threshold)
      cmp('threshold', Float64Array.from(c.params.log_threshold, Math.exp), c.expect.threshold);
  } finally {
    lossExe.dispose();
  }
  const o = c.optimizer;
  const step = buildModernTrainStep(
    c.config,
    n,
    {
      kind: 'adam',
      lr: o.lr,
      beta1: o.beta1,
      beta2: o.beta2,
      eps: o.eps,
      decoderUnitNorm: o.decoderUnitNorm,
      gradClip: o.gradClip,
    },
    { initialThreshold: c.inputs.topkThreshold ?? 0, ...graphOptions },
  );
  const exe = await backend.compile(step.graph, { state: step.initialState(c.params) });
  const after: Partial<Record<AnyParamName, Float32Array>> = {};
  try {
    const losses: number[] = [];
    const thresholds: number[] = [];
    for (let i = 0; i < o.steps; i++) {
      const r = await exe.run({ ...step.host.feeds(), ...dead, x: c.batch, w });
      losses.push(r.loss[0]);
      step.host.observe(r, n);
      if (step.host.threshold !== undefined) thresholds.push(step.host.threshold);
      if (i === 0 && c.expect.gradWDecProjected)
        cmp('gradWDecProjected', r.gradWDecProjected, c.expect.gradWDecProjected);
    }
    cmp(`loss per step`, losses, c.expect.lossPerStep);
    if (c.expect.thresholdPerStep) cmp('threshold per step', thresholds, c.expect.thresholdPerStep);
    for (const p of trained) after[p] = await exe.readState(p);
    for (const [k, v] of Object.entries(c.expect.paramsAfterSteps))
      cmp(`${k} after ${o.steps} steps`, after[k as AnyParamName] ?? [], v);
  } finally {
    exe.dispose();
  }
  const runs: [string, SaeParams, { threshold: number; tensors: Tensors } | undefined][] = [
    ['inference', c.params, c.expect.inference],
    ['inference after steps', { ...c.params, ...after } as SaeParams, c.expect.inferenceAfterSteps],
  ];
  for (const [label, params, exp] of runs) {
    if (!exp) continue;
    const threshold =
      label === 'inference' ? (c.inputs.inferenceThreshold ?? exp.threshold) : step.host.threshold!;
    if (label !== 'inference') cmp(`${label} threshold`, [threshold], [exp.threshold]);
    const fe = await backend.compile(buildForwardGraph(c.config, n), {
      state: { ...pick(params, paramNamesOf(c.config)), threshold: Float32Array.of(threshold) },
    });
    try {
      const r = await fe.run({ x: c.batch });
      for (const [k, v] of Object.entries(exp.tensors)) cmp(`${label} ${k}`, r[k], v);
    } finally {
      fe.dispose();
    }
  }
  return out;
}

function pick(p: SaeParams, names: readonly AnyParamName[]): Record<string, Float32Array> {
  const o: Record<string, Float32Array> = {};
  for (const k of names) if (p[k]) o[k] = p[k];
  return o;
}
