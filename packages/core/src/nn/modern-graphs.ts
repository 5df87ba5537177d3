import { grad } from '../graph/grad.js';
import { Graph } from '../graph/graph.js';
import type { Node } from '../graph/node.js';
import { add, greater, mul } from '../ops/binary.js';
import { input } from '../ops/leaves.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/shape.js';
import {
  type ModernSaeConfig,
  type ResolvedModernConfig,
  usesBatchTopK,
  validateModernConfig,
} from './modern-config.js';
import { HOST_IO } from './modern-host.js';
import { auxKLossOf, modernLoss } from './modern-losses.js';
import {
  auxKHidden,
  encoderInput,
  type ModernParamNodes,
  minPositive,
  modernActivation,
  modernDecode,
  modernParamInputs,
  preActivations,
  prefixRecons,
} from './modern-model.js';
import {
  type ModernFormulation,
  resolveFormulation,
  sparseAuxK,
  sparseModernForward,
  sparsePrefixRecons,
} from './modern-sparse.js';
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

/** How `modernLossGraph` builds the graph; default: sparse for the TopK family, else dense. */
export interface ModernGraphOptions {
  readonly formulation?: ModernFormulation;
  /** batchtopk/matryoshka sparse: candidates per row (default `defaultCandidates`). */
  readonly candidates?: number;
}

/** The forward pass's parts the losses and the host state take, dense or sparse. */
function trainingForward(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  x: Node,
  w: Node,
  o: ModernGraphOptions,
) {
  const u = encoderInput(c, p, x);
  const pre = preActivations(c, p, x, u);
  const realRow = greater(w, 0);
  const dead = c.auxk ? input(HOST_IO.dead, [c.hiddenDim]) : undefined;
  if (resolveFormulation(c.architecture, o.formulation) === 'sparse') {
    const s = sparseModernForward(c, p, { u, pre, realRow, candidates: o.candidates });
    return {
      pre,
      dead,
      ...s,
      minActive: usesBatchTopK(c) ? minPositive(s.code.vals) : undefined,
      innerRecon: c.architecture === 'matryoshka' ? sparsePrefixRecons(c, p, s.decodable) : undefined,
      aux: dead && sparseAuxK(c, p, u, pre, dead),
    };
  }
  const { hidden, l0 } = modernActivation(c, p, pre, { training: true, rowMask: realRow });
  let aux: { auxHidden: Node; auxRecon: Node } | undefined;
  if (dead) {
    const auxHidden = auxKHidden(c, pre, dead);
    aux = { auxHidden, auxRecon: matmul(auxHidden, p.W_dec) };
  }
  return {
    pre,
    dead,
    hidden,
    l0,
    recon: modernDecode(p, hidden),
    // Fired on some real row: hidden >= 0 in every modern recipe, so a positive column sum says it.
    fired: greater(sum(mul(hidden, realRow), [0]), 0),
    minActive: usesBatchTopK(c) ? minPositive(hidden) : undefined,
    innerRecon: c.architecture === 'matryoshka' ? prefixRecons(c, p, hidden) : undefined,
    aux,
    exact: undefined,
  };
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
  opts: ModernGraphOptions = {},
): ModernLossGraph {
  const c = validateModernConfig(config);
  const names = trainedParamNames(c);
  const p = modernParamInputs(c, names);
  const x = input('x', [batch, c.inputDim]);
  const w = input('w', [batch, 1]);
  const f = trainingForward(c, p, x, w, opts);
  const { hidden, recon, innerRecon } = f;
  const outputs: Record<string, Node> = { hiddenPre: f.pre, hidden, recon };
  for (const [width, r] of Object.entries(innerRecon ?? {})) outputs[`innerRecon.${width}`] = r;
  let auxk: Node | undefined;
  if (f.aux && f.dead) {
    auxk = auxKLossOf(f.aux.auxRecon, x, recon, f.dead, w);
    Object.assign(outputs, { auxHidden: f.aux.auxHidden, auxRecon: f.aux.auxRecon });
    outputs[HOST_IO.fired] = f.fired;
  }
  if (f.minActive) outputs[HOST_IO.minActive] = f.minActive;
  if (f.exact) outputs[HOST_IO.sparseExact] = f.exact;
  const loss = modernLoss(c, p, {
    x,
    w,
    hidden,
    recon,
    l0: 'l0' in f ? f.l0 : undefined,
    innerRecon,
    auxk,
    sparsityScale,
  });
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
export function buildModernLossGraph(
  config: ModernSaeConfig,
  batch: number,
  opts?: ModernGraphOptions,
): Graph {
  return Graph.from({ outputs: modernLossGraph(config, batch, undefined, opts).outputs });
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
