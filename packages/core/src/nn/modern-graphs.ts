import { grad } from '../graph/grad.js';
import { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import { add, greater, mul } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { sum } from '../ops/shape.js';
import {
  type ModernSaeConfig,
  type ResolvedModernConfig,
  usesBatchTopK,
  validateModernConfig,
} from './modern-config.js';
import { HOST_IO } from './modern-host.js';
import { auxKLoss, modernLoss } from './modern-losses.js';
import {
  auxKHidden,
  type ModernParamNodes,
  minPositive,
  modernActivation,
  modernDecode,
  modernParamInputs,
  preActivations,
  prefixRecons,
} from './modern-model.js';
import { type AnyParamName, paramNamesOf, trainedParamNames } from './params.js';

/** Everything one training forward pass of a modern recipe computes, with its gradients. */
export interface ModernLossGraph {
  readonly config: ResolvedModernConfig;
  readonly params: ModernParamNodes;
  readonly names: readonly AnyParamName[];
  readonly x: Node;
  readonly w: Node;
  readonly total: Node;
  readonly grads: Partial<Record<AnyParamName, Node>>;
  /** Named outputs: hiddenPre, hidden, recon, loss.<part>, total, auxHidden/auxRecon, innerRecon.<w>, minActive, fired. */
  readonly outputs: Record<string, Node>;
}

/**
 * The training forward pass, loss parts and gradients of a modern recipe on a batch of `batch`
 * rows. Inputs: x [B, D], w [B, 1], the trained parameters, `dead` [H] with AuxK, and the
 * schedule scalars the optimizer options ask for (`sparsityScale`).
 */
export function modernLossGraph(
  config: ModernSaeConfig,
  batch: number,
  sparsityScale?: Node,
): ModernLossGraph {
  const c = validateModernConfig(config);
  const names = trainedParamNames(c);
  const p = modernParamInputs(c, names);
  const x = input('x', [batch, c.inputDim]);
  const w = input('w', [batch, 1]);
  const pre = preActivations(c, p, x);
  const { hidden, l0 } = modernActivation(c, p, pre, { training: true, rowMask: greater(w, 0) });
  const recon = modernDecode(p, hidden);
  const outputs: Record<string, Node> = { hiddenPre: pre, hidden, recon };
  const innerRecon = c.architecture === 'matryoshka' ? prefixRecons(c, p, hidden) : undefined;
  for (const [width, r] of Object.entries(innerRecon ?? {})) outputs[`innerRecon.${width}`] = r;
  let auxk: Node | undefined;
  if (c.auxk) {
    const dead = input(HOST_IO.dead, [c.hiddenDim]);
    const auxHidden = auxKHidden(c, pre, dead);
    const a = auxKLoss(p, auxHidden, x, recon, dead, w);
    auxk = a.auxk;
    Object.assign(outputs, { auxHidden, auxRecon: a.auxRecon });
    // Fired on some real row: hidden >= 0 in every modern recipe, so a positive column sum says it.
    outputs[HOST_IO.fired] = greater(sum(mul(hidden, greater(w, 0)), [0]), 0);
  }
  if (usesBatchTopK(c)) outputs[HOST_IO.minActive] = minPositive(hidden);
  const loss = modernLoss(c, p, { x, w, hidden, recon, l0, innerRecon, auxk, sparsityScale });
  for (const [k, v] of Object.entries(loss.parts)) outputs[`loss.${k}`] = v;
  outputs.total = loss.total;
  const gs = grad(
    loss.total,
    names.map((n) => p[n]!),
  );
  const grads: Partial<Record<AnyParamName, Node>> = {};
  names.forEach((n, i) => {
    grads[n] = gs[i];
    outputs[`grad.${n}`] = gs[i];
  });
  return { config: c, params: p, names, x, w, total: loss.total, grads, outputs };
}

/** Loss parts and gradients for a batch, parameters as inputs (golden checks, conformance). */
export function buildModernLossGraph(config: ModernSaeConfig, batch: number): Graph {
  return Graph.from({ outputs: modernLossGraph(config, batch).outputs });
}

/**
 * The inference forward pass, parameters as state: hiddenPre, hidden, recon. BatchTopK and
 * Matryoshka encode as JumpReLU with their `threshold` θ (as SAELens saves them); this is also the
 * encoder an ONNX export takes.
 */
export function buildModernForwardGraph(config: ModernSaeConfig, batch: number): Graph {
  const c = validateModernConfig(config);
  const p = modernParamInputs(c, paramNamesOf(c));
  const pre = preActivations(c, p, input('x', [batch, c.inputDim]));
  const { hidden } = modernActivation(c, p, pre, { training: false });
  return Graph.from({ outputs: { hidden, recon: modernDecode(p, hidden), hiddenPre: pre } });
}

/** The guard's check value: NaN or Inf in the loss or a bias-like gradient poisons it. */
export function modernFiniteCheck(g: ModernLossGraph, grads: Partial<Record<AnyParamName, Node>>): Node {
  let check = add(add(g.total, sum(grads.b_enc!)), sum(grads.b_dec!));
  if (grads.log_threshold) check = add(check, sum(grads.log_threshold));
  return check;
}
