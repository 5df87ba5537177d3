import type { Node } from '../graph/node.js';
import { add, div, mul, sub } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { exp, sqrt } from '../ops/unary.js';

export type OptimizerConfig =
  | ({
      readonly kind: 'adam';
      readonly lr: number;
      readonly beta1?: number;
      readonly beta2?: number;
      readonly eps?: number;
    } & TrainingOptions)
  | { readonly kind: 'sgd'; readonly lr: number };

/** Options of the modern recipes' training (architecture configs only; see modern-train.ts). */
export interface TrainingOptions {
  /** ConstrainedAdam (dictionary_learning): project W_dec's gradient off each row, renormalise rows after the step. */
  readonly decoderUnitNorm?: boolean;
  /** Scale all gradients together so their global L2 norm is at most this (PyTorch clip_grad_norm_). */
  readonly gradClip?: number | null;
  /** Linear learning-rate warm-up from lr/lrWarmupSteps to lr over the first steps. */
  readonly lrWarmupSteps?: number;
  /** Linear decay to 0 over the last lrDecaySteps of totalSteps. */
  readonly lrDecaySteps?: number;
  /** The run's length in steps (needed by lrDecaySteps). */
  readonly totalSteps?: number;
  /** Linear warm-up of the L1/L0 coefficient from 1/sparsityWarmupSteps of it to all of it. */
  readonly sparsityWarmupSteps?: number;
}

export const ADAM_DEFAULTS = Object.freeze({ lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/** An optimizer as graph: new values for the parameters and for its own state ("slots"). */
export interface OptimizerGraph {
  /** New value of every parameter and slot, keyed by input name. */
  readonly updates: Record<string, Node>;
  /** The optimizer's state inputs and the value each starts from. */
  readonly slots: Record<string, { readonly node: Node; readonly init: number }>;
}

export function validateOptimizer(o: OptimizerConfig): OptimizerConfig {
  const bad = (m: string): never => {
    throw new RangeError(`optimizer: ${m}`);
  };
  if (!(o.lr > 0 && Number.isFinite(o.lr))) bad(`lr must be a positive number, got ${o.lr}`);
  if (o.kind === 'adam') {
    for (const k of ['beta1', 'beta2'] as const) {
      const v = o[k];
      if (v !== undefined && !(v >= 0 && v < 1)) bad(`${k} must be in [0, 1), got ${v}`);
    }
    if (o.eps !== undefined && !(o.eps > 0)) bad(`eps must be > 0, got ${o.eps}`);
    validateTrainingOptions(o, bad);
  } else if (o.kind !== 'sgd') bad(`kind must be adam or sgd, got ${(o as { kind: string }).kind}`);
  return o;
}

function validateTrainingOptions(o: TrainingOptions, bad: (m: string) => never): void {
  if (o.decoderUnitNorm !== undefined && typeof o.decoderUnitNorm !== 'boolean')
    bad(`decoderUnitNorm must be true or false`);
  if (o.gradClip !== undefined && o.gradClip !== null && !(o.gradClip > 0 && Number.isFinite(o.gradClip)))
    bad(`gradClip must be a positive number or null, got ${o.gradClip}`);
  for (const k of ['lrWarmupSteps', 'lrDecaySteps', 'totalSteps', 'sparsityWarmupSteps'] as const) {
    const v = o[k];
    if (v !== undefined && !(Number.isInteger(v) && v >= 0)) bad(`${k} must be an integer >= 0, got ${v}`);
  }
  if (o.lrDecaySteps && o.totalSteps === undefined) bad(`lrDecaySteps needs totalSteps (the run's length)`);
  if (o.lrDecaySteps && o.totalSteps !== undefined && o.lrDecaySteps > o.totalSteps)
    bad(`lrDecaySteps=${o.lrDecaySteps} is more than totalSteps=${o.totalSteps}`);
}

/** Whether any option of the modern recipes' training is set (they need an architecture config). */
export const usesTrainingOptions = (o: OptimizerConfig): boolean =>
  o.kind === 'adam' &&
  (!!o.decoderUnitNorm ||
    (o.gradClip ?? null) !== null ||
    !!o.lrWarmupSteps ||
    !!o.lrDecaySteps ||
    !!o.sparsityWarmupSteps);

/** p <- p - lr * g. */
export function sgd(params: Record<string, Node>, grads: Record<string, Node>, lr: number): OptimizerGraph {
  const updates: Record<string, Node> = {};
  for (const [name, p] of Object.entries(params)) updates[name] = sub(p, mul(grads[name], lr));
  return { updates, slots: {} };
}

/**
 * Adam, Kingma & Ba Algorithm 1 in PyTorch's form:
 * m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps).
 * Written as p -= (lr / (1-b1^t)) m / (sqrt(v) / sqrt(1-b2^t) + eps): the bias corrections become
 * two scalars, so each parameter costs fewer full-size passes. The step count t is state too;
 * b^t = exp(t ln b), which stays accurate in float32 for any t.
 */
export function adam(
  params: Record<string, Node>,
  grads: Record<string, Node>,
  cfg: { lr?: number | Node; beta1?: number; beta2?: number; eps?: number } = {},
): OptimizerGraph {
  const { lr, beta1: b1, beta2: b2, eps } = { ...ADAM_DEFAULTS, ...cfg };
  const t = input('adam.t', []);
  const t1 = add(t, 1);
  const bc1 = sub(1, exp(mul(t1, Math.log(b1))));
  const bc2 = sub(1, exp(mul(t1, Math.log(b2))));
  const stepSize = div(lr, bc1); // scalar
  const invSqrtBc2 = div(1, sqrt(bc2)); // scalar
  const updates: Record<string, Node> = { 'adam.t': t1 };
  const slots: Record<string, { node: Node; init: number }> = { 'adam.t': { node: t, init: 0 } };
  for (const [name, p] of Object.entries(params)) {
    const g = grads[name];
    const m = input(`adam.m.${name}`, p.shape);
    const v = input(`adam.v.${name}`, p.shape);
    const m1 = add(mul(m, b1), mul(g, 1 - b1));
    const v1 = add(mul(v, b2), mul(mul(g, g), 1 - b2));
    updates[name] = sub(p, div(mul(m1, stepSize), add(mul(sqrt(v1), invSqrtBc2), eps)));
    updates[`adam.m.${name}`] = m1;
    updates[`adam.v.${name}`] = v1;
    slots[`adam.m.${name}`] = { node: m, init: 0 };
    slots[`adam.v.${name}`] = { node: v, init: 0 };
  }
  return { updates, slots };
}

export function optimizer(
  params: Record<string, Node>,
  grads: Record<string, Node>,
  o: OptimizerConfig,
): OptimizerGraph {
  validateOptimizer(o);
  return o.kind === 'adam' ? adam(params, grads, o) : sgd(params, grads, o.lr);
}
