import type { Node } from '../graph/node.js';
import { add, greater, greaterEqual, mul, sub } from '../ops/binary.js';
import { constant, input } from '../ops/leaves.js';
import { matmul } from '../ops/matmul.js';
import { reshape } from '../ops/shape.js';
import { kthLargest } from '../ops/topk.js';
import { abs, exp, neg, relu, stopGradient } from '../ops/unary.js';
import { where } from '../ops/where.js';
import type { ResolvedModernConfig } from './modern-config.js';
import { type AnyParamName, paramShapes } from './params.js';

export type ModernParamNodes = { readonly [K in AnyParamName]?: Node } & {
  readonly W_enc: Node;
  readonly b_enc: Node;
  readonly W_dec: Node;
  readonly b_dec: Node;
};

/**
 * A stand-in for −∞ in selections: entries set to it never win a top-k against a real value, and
 * stay finite on every backend.
 */
export const NOT_SELECTED = -1e30;

/** The given parameters as graph inputs named as in the checkpoint. */
export function modernParamInputs(c: ResolvedModernConfig, names: readonly AnyParamName[]): ModernParamNodes {
  const s = paramShapes(c) as Record<string, number[]>;
  return Object.fromEntries(names.map((n) => [n, input(n, s[n])])) as ModernParamNodes;
}

/** The encoder's input: x − b_dec, or x without the pre-encoder bias. */
export const encoderInput = (c: ResolvedModernConfig, p: ModernParamNodes, x: Node): Node =>
  c.applyBDecToInput ? sub(x, p.b_dec) : x;

/** pre = u W_enc + b_enc with u = `encoderInput` (given, or computed from x). */
export function preActivations(c: ResolvedModernConfig, p: ModernParamNodes, x: Node, u?: Node): Node {
  return add(matmul(u ?? encoderInput(c, p, x), p.W_enc), p.b_enc);
}

/**
 * `a + (b − sg(b))` with `b = c·θ`, `c` free of gradient: the value of `a`, and ∂/∂θ = c added to
 * a's gradient. How the JumpReLU and Step pseudo-derivatives are written with stopGradient only.
 */
function withThetaGradient(a: Node, c: Node, theta: Node): Node {
  const b = mul(c, theta);
  return add(a, sub(b, stopGradient(b)));
}

/**
 * JumpReLU (SAELens `JumpReLU` and `Step`): f = pre·H(pre − θ) with ∂f/∂pre = H and
 * ∂f/∂θ = −(θ/ε)·R((pre − θ)/ε); the per-entry L0 term H(pre − θ) with ∂/∂θ = −(1/ε)·R.
 * R is the rectangle 1[|pre − θ| < ε/2].
 */
export function jumpRelu(c: ResolvedModernConfig, pre: Node, logThreshold: Node): { hidden: Node; l0: Node } {
  const eps = c.jumpreluBandwidth;
  const theta = exp(logThreshold);
  const H = greater(pre, theta);
  const R = greater(eps / 2, abs(sub(pre, theta)));
  const hidden = withThetaGradient(mul(pre, H), mul(R, mul(stopGradient(theta), -1 / eps)), theta);
  const l0 = withThetaGradient(H, mul(R, -1 / eps), theta);
  return { hidden, l0 };
}

/**
 * BatchTopK (SAELens `BatchTopK`): of a = ReLU(pre), the K = ⌊k·B⌋ largest entries over the whole
 * batch stay, the rest become 0. `rowMask` [B, 1] (1 for real rows) keeps padding rows out of it.
 */
export function batchTopK(c: ResolvedModernConfig, pre: Node, rowMask?: Node): Node {
  const [B, H] = pre.shape;
  const K = Math.floor(c.k! * B);
  if (K < 1) throw new RangeError(`batchtopk: k=${c.k} on a batch of ${B} selects K=⌊k·B⌋=${K} < 1 entries`);
  const a = rowMask ? mul(relu(pre), rowMask) : relu(pre);
  const kth = kthLargest(reshape(a, [1, B * H]), Math.min(K, B * H));
  return mul(a, greaterEqual(a, kth));
}

/** The smallest positive entry of f (the BatchTopK θ update), or −NOT_SELECTED when none is. */
export function minPositive(f: Node): Node {
  const flat = reshape(f, [1, f.size]);
  return reshape(neg(kthLargest(where(greater(flat, 0), neg(flat), NOT_SELECTED), 1)), []);
}

/** The encoder's activations as trained (BatchTopK over the batch) or as used for inference. */
export function modernActivation(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  pre: Node,
  opts: { training: boolean; rowMask?: Node },
): { hidden: Node; l0?: Node } {
  switch (c.architecture) {
    case 'standard':
      return { hidden: relu(pre) };
    case 'topk':
      return { hidden: mul(relu(pre), greaterEqual(pre, kthLargest(pre, c.k!))) };
    case 'jumprelu':
      return jumpRelu(c, pre, p.log_threshold!);
    case 'batchtopk':
    case 'matryoshka':
      // Inference: SAELens saves these as JumpReLU with θ for every latent.
      return opts.training
        ? { hidden: batchTopK(c, pre, opts.rowMask) }
        : { hidden: mul(relu(pre), greater(pre, p.threshold!)) };
  }
}

/** x̂ = f W_dec + b_dec. */
export const modernDecode = (p: Pick<ModernParamNodes, 'W_dec' | 'b_dec'>, f: Node): Node =>
  add(matmul(f, p.W_dec), p.b_dec);

/** Matryoshka's prefix reconstructions: latents ≥ w dropped by a constant mask, for each width but the last. */
export function prefixRecons(c: ResolvedModernConfig, p: ModernParamNodes, f: Node): Record<number, Node> {
  const out: Record<number, Node> = {};
  for (const w of (c.matryoshkaWidths ?? []).slice(0, -1)) {
    const mask = constant(
      Array.from({ length: c.hiddenDim }, (_, i) => (i < w ? 1 : 0)),
      [c.hiddenDim],
    );
    out[w] = modernDecode(p, mul(f, mask));
  }
  return out;
}

/**
 * AuxK's activations: per row, ReLU of the k' = min(kAux, n_dead) largest pre-activations among the
 * dead latents (`dead` [H], 1 or 0). Non-dead entries become NOT_SELECTED before the top-k, and the
 * product with `dead` zeroes them when fewer than kAux are dead.
 */
export function auxKHidden(c: ResolvedModernConfig, pre: Node, dead: Node): Node {
  const masked = where(dead, pre, NOT_SELECTED);
  const keep = mul(greaterEqual(masked, kthLargest(masked, c.auxk!.kAux)), dead);
  return mul(relu(pre), keep);
}
