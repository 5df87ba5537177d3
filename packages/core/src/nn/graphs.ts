import { grad } from '../graph/grad.js';
import { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import { add, greaterEqual, sub } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { sum } from '../ops/shape.js';
import { abs } from '../ops/unary.js';
import { where } from '../ops/where.js';
import { type AnySaeConfig, isModernConfig, type SaeConfig, validateConfig } from './config.js';
import type { HostState } from './host-state.js';
import { saeLoss } from './losses.js';
import { forward, paramInputs } from './model.js';
import { buildModernForwardGraph, buildModernLossGraph } from './modern-graphs.js';
import { buildModernTrainStep } from './modern-train.js';
import { type OptimizerConfig, optimizer, usesTrainingOptions } from './optim.js';
import { PARAM_NAMES, type ParamName, type SaeParams } from './params.js';
import { sparseTopKForward } from './sparse-topk.js';

/** 1 where x is finite, else 0 (x - x is 0 for finite x, NaN for NaN and ±Inf). */
export function finiteMask(x: Node): Node {
  return greaterEqual(0, abs(sub(x, x)));
}

/** Inputs every batch feeds: the examples, and each row's weight in the batch mean. */
export function batchInputs(c: AnySaeConfig, batch: number): { x: Node; w: Node } {
  return { x: input('x', [batch, c.inputDim]), w: input('w', [batch, 1]) };
}

/**
 * Row weights for a batch of `rows` real examples padded to `batch`: 1/rows, then 0.
 * Written into `out` so a training loop allocates nothing.
 */
export function rowWeights(out: Float32Array, rows: number): Float32Array {
  out.fill(1 / rows, 0, rows);
  out.fill(0, rows);
  return out;
}

/**
 * How a TopK-family SAE's graph is built: `dense` (the mask over all latents) or `sparse` (indices
 * and values of the active latents, sparse decoder products; see sparse-topk.ts and
 * modern-sparse.ts). Same values.
 */
export type Formulation = 'dense' | 'sparse';

/** Forward pass, loss parts and their gradients for one batch: what every loss graph shares. */
function lossWithGrads(c: SaeConfig, batch: number, formulation: Formulation = 'dense') {
  validateConfig(c);
  if (formulation === 'sparse' && c.encoder !== 'topk')
    throw new RangeError(`sparse formulation: needs encoder topk, got ${c.encoder}`);
  const p = paramInputs(c);
  const { x, w } = batchInputs(c, batch);
  const sparse = formulation === 'sparse' ? sparseTopKForward(c, p, x) : undefined;
  const f = sparse ?? forward(c, p, x);
  const penaltyOn = sparse ? sparse.penaltyHidden : f.hidden;
  const loss = saeLoss(c.sparsity, x, penaltyOn, f.recon, w);
  const gs = grad(
    loss.total,
    PARAM_NAMES.map((n) => p[n]),
  );
  const grads = Object.fromEntries(PARAM_NAMES.map((n, i) => [n, gs[i]])) as Record<ParamName, Node>;
  return { p, f, loss, grads };
}

/**
 * Loss parts and gradients for a batch; parameters are inputs (golden checks, conformance). The
 * modern recipes' outputs are named as `modernLossGraph` says.
 */
export function buildLossGraph(c: AnySaeConfig, batch: number, formulation?: Formulation): Graph {
  if (isModernConfig(c)) return buildModernLossGraph(c, batch, { formulation });
  const { f, loss, grads } = lossWithGrads(c, batch, formulation);
  const outputs: Record<string, Node> = {
    hidden: f.hidden,
    recon: f.recon,
    mse: loss.mse,
    total: loss.total,
  };
  if (loss.penalty) outputs.penalty = loss.penalty;
  for (const n of PARAM_NAMES) outputs[`grad.${n}`] = grads[n];
  return Graph.from({ outputs });
}

/** Forward only, parameters as state: hidden and recon for a batch (evaluation, encoding). */
export function buildForwardGraph(c: AnySaeConfig, batch: number): Graph {
  if (isModernConfig(c)) return buildModernForwardGraph(c, batch);
  validateConfig(c);
  const p = paramInputs(c);
  const f = forward(c, p, input('x', [batch, c.inputDim]));
  return Graph.from({ outputs: { hidden: f.hidden, recon: f.recon } });
}

export interface TrainStep {
  readonly graph: Graph;
  readonly batchSize: number;
  /** Initial values of every state input: the parameters and the optimizer's slots. */
  initialState(params: SaeParams): Record<string, Float32Array>;
  /** Host-side state of recipes that need it (dead-latent counters, thresholds, schedules). */
  readonly host?: HostState;
}

/**
 * One whole training step as one graph: batch (x, w) and state (parameters, optimizer slots) in;
 * loss parts out; new parameters and slots as updates. With `guard` (default), a step whose loss
 * or gradients are not finite leaves the parameters as they were, so the last good parameters
 * survive a NaN; the `ok` output tells the trainer, which stops (the optimizer's slots are not
 * guarded: after a non-finite step they are not used again).
 */
export function buildTrainStep(
  c: AnySaeConfig,
  batchSize: number,
  opt: OptimizerConfig,
  opts: {
    guard?: boolean;
    initialThreshold?: number;
    /** Classic: default dense. Modern: default sparse for the TopK family, else dense. */
    formulation?: Formulation;
    /** Modern batchtopk/matryoshka, sparse: candidates per row (see `defaultCandidates`). */
    candidates?: number;
  } = {},
): TrainStep {
  if (isModernConfig(c)) {
    const step = buildModernTrainStep(c, batchSize, opt, opts);
    return step.host.empty ? { ...step, host: undefined } : step;
  }
  if (usesTrainingOptions(opt))
    throw new RangeError(
      'optimizer: decoderUnitNorm, gradClip and the schedules need an architecture config (standard, topk, ...)',
    );
  const { p, loss, grads } = lossWithGrads(c, batchSize, opts.formulation);
  const o = optimizer(p, grads, opt);

  const outputs: Record<string, Node> = { loss: loss.total, mse: loss.mse };
  if (loss.penalty) outputs.penalty = loss.penalty;
  let updates = o.updates;
  if (opts.guard ?? true) {
    // A NaN or Inf anywhere poisons a sum. The loss and the bias gradients are enough: a weight
    // gradient xᵀ·g or hᵀ·g is non-finite only if g is (then so is its bias gradient, sum(g)) or
    // the activations are (then so is the loss). The weight gradients are never summed.
    const check = add(add(loss.total, sum(grads.b_enc)), sum(grads.b_dec));
    const ok = finiteMask(check);
    outputs.ok = ok;
    updates = { ...o.updates };
    for (const n of PARAM_NAMES) updates[n] = where(ok, o.updates[n], p[n]);
  }
  const graph = Graph.from({ outputs, updates });
  return {
    graph,
    batchSize,
    initialState(params) {
      const st: Record<string, Float32Array> = {};
      for (const n of PARAM_NAMES) st[n] = Float32Array.from(params[n]);
      for (const [n, s] of Object.entries(o.slots)) {
        st[n] = new Float32Array(s.node.size).fill(s.init);
      }
      return st;
    },
  };
}
