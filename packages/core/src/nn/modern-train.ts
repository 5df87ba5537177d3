import { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import { add, div, greater, mul, sub } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { sum } from '../ops/shape.js';
import { sqrt } from '../ops/unary.js';
import { where } from '../ops/where.js';
import type { TrainStep } from './graphs.js';
import { finiteMask } from './graphs.js';
import type { ModernSaeConfig } from './modern-config.js';
import { type ModernGraphOptions, modernFiniteCheck, modernLossGraph } from './modern-graphs.js';
import { HOST_IO, ModernHostState, TrainingSchedules } from './modern-host.js';
import { decoderRowNorms } from './modern-losses.js';
import { adam, type OptimizerConfig, sgd, type TrainingOptions, validateOptimizer } from './optim.js';
import type { AnyParamName, SaeParams } from './params.js';

/** PyTorch's clip_grad_norm_: every gradient × min(1, maxNorm / (‖g‖ + 1e-6)), ‖g‖ over all of them. */
export function clipGradNorm(grads: Record<string, Node>, maxNorm: number): Record<string, Node> {
  const squares = Object.values(grads).map((g) => sum(mul(g, g)));
  const norm = add(sqrt(squares.reduce((a, b) => add(a, b))), 1e-6);
  const coef = where(greater(norm, maxNorm), div(maxNorm, norm), 1);
  return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, mul(g, coef)]));
}

/** ConstrainedAdam's projection: each row's gradient minus its component along the (unit) row. */
export function projectOffRows(g: Node, W: Node): Node {
  const unit = div(W, decoderRowNorms(W));
  return sub(g, mul(sum(mul(g, unit), [1], true), unit));
}

/** Each row at unit norm (no epsilon, as ConstrainedAdam). */
export const unitRows = (W: Node): Node => div(W, decoderRowNorms(W));

/**
 * One training step of a modern recipe as one graph, in the order of docs/modern-saes.md: forward
 * and loss, gradients, (clipping), (W_dec's projection), Adam with the scheduled learning rate,
 * (W_dec's rows renormalised). BatchTopK's θ, the dead-latent counter and the schedules live in
 * `host`, which the trainer feeds and shows each step's outputs.
 */
export function buildModernTrainStep(
  config: ModernSaeConfig,
  batchSize: number,
  opt: OptimizerConfig,
  opts: { guard?: boolean; initialThreshold?: number } & ModernGraphOptions = {},
): TrainStep & { host: ModernHostState } {
  validateOptimizer(opt);
  const training: TrainingOptions = opt.kind === 'adam' ? opt : {};
  const need = TrainingSchedules.needed(training);
  const sparsityScale = need.sparsity ? input(HOST_IO.sparsityScale, []) : undefined;
  const g = modernLossGraph(config, batchSize, sparsityScale, opts);
  const params = Object.fromEntries(g.names.map((n) => [n, g.params[n]!])) as Record<string, Node>;
  let grads = Object.fromEntries(g.names.map((n) => [n, g.grads[n]!])) as Record<string, Node>;
  if (training.gradClip) grads = clipGradNorm(grads, training.gradClip);
  const outputs: Record<string, Node> = { loss: g.total };
  for (const [k, v] of Object.entries(g.outputs)) {
    if (k.startsWith('loss.') || k === HOST_IO.fired || k === HOST_IO.minActive || k === HOST_IO.sparseExact)
      outputs[k] = v;
  }
  if (g.outputs['loss.mse']) outputs.mse = g.outputs['loss.mse'];
  if (training.decoderUnitNorm) {
    grads = { ...grads, W_dec: projectOffRows(grads.W_dec, params.W_dec) };
    outputs.gradWDecProjected = grads.W_dec;
  }
  const lr = need.lr ? mul(input(HOST_IO.lrScale, []), opt.lr) : opt.lr;
  const o = opt.kind === 'adam' ? adam(params, grads, { ...opt, lr }) : sgd(params, grads, opt.lr);
  const updates = { ...o.updates };
  if (training.decoderUnitNorm) updates.W_dec = unitRows(updates.W_dec);
  if (opts.guard ?? true) {
    const ok = finiteMask(modernFiniteCheck(g, g.grads));
    outputs.ok = ok;
    for (const n of g.names) updates[n] = where(ok, updates[n], params[n]);
  }
  const graph = Graph.from({ outputs, updates });
  const names: readonly AnyParamName[] = g.names;
  return {
    graph,
    batchSize,
    host: new ModernHostState(g.config, training, opts.initialThreshold ?? 0),
    initialState(p: SaeParams) {
      const st: Record<string, Float32Array> = {};
      for (const n of names) {
        const v = p[n];
        if (!v) throw new Error(`parameters: "${n}" is missing`);
        st[n] = Float32Array.from(v);
      }
      for (const [n, s] of Object.entries(o.slots)) st[n] = new Float32Array(s.node.size).fill(s.init);
      return st;
    },
  };
}
