import type { Node } from '../graph/node.js';
import { add, div, maximum, mul, sub } from '../ops/binary.js';
import { mean, square } from '../ops/composite.js';
import { sum } from '../ops/shape.js';
import { abs, log, neg } from '../ops/unary.js';
import type { Sparsity } from './config.js';

/**
 * Every loss takes optional per-row weights `w` [batch, 1]: the batch mean becomes sum(w * ...).
 * Full batches use w = 1/batch; a final partial batch is padded with zero rows of weight 0, so
 * one compiled graph trains every batch exactly.
 */

/** A clamped KL caps the batch-mean activation at 1 - KL_CLAMP. */
export const KL_CLAMP = 1e-6;

/** Mean over all elements of (recon - x)^2. */
export function mseLoss(recon: Node, x: Node, w?: Node): Node {
  const se = square(sub(recon, x));
  if (!w) return mean(se);
  // Each row's error first, then the row weights: a [batch, 1] product, not a [batch, inputDim] one
  // (and the same saving again in the backward pass).
  return mul(sum(mul(sum(se, [1], true), w)), 1 / x.shape[1]);
}

/** Batch-mean activation of each hidden unit, [hidden]. */
export function meanActivation(h: Node, w?: Node): Node {
  return w ? sum(mul(h, w), [0]) : mean(h, [0]);
}

/**
 * KL(rho || rho_hat) summed over hidden units, exactly as the seed's Keras code writes it:
 * rho log(rho / (rho_hat + 1e-10)) + (1 - rho) log((1 - rho) / (1 - rho_hat + 1e-10)).
 * NaN once a unit's batch-mean activation reaches 1 (ReLU units can): the trainer catches it.
 * With `clamp`, rho_hat is first capped at 1 - KL_CLAMP: the same value wherever the seed's formula
 * is finite (its + 1e-10 already handles 0), and finite where it is not.
 */
export function klSparsity(h: Node, rho: number, w?: Node, clamp = false): Node {
  const avg = meanActivation(h, w);
  // min(x, c) = -max(-x, -c): no min primitive needed.
  const rhoHat = clamp ? neg(maximum(neg(avg), -(1 - KL_CLAMP))) : avg;
  const a = mul(rho, log(div(rho, add(rhoHat, 1e-10))));
  const b = mul(1 - rho, log(div(1 - rho, add(sub(1, rhoHat), 1e-10))));
  return sum(add(a, b));
}

/** Mean over the batch of the sum over hidden units of |h|. */
export function l1Sparsity(h: Node, w?: Node): Node {
  const perRow = sum(abs(h), [1], true);
  return w ? sum(mul(perRow, w)) : mean(perRow);
}

export interface LossParts {
  readonly mse: Node;
  /** The unweighted penalty (KL or L1); absent for `none`. */
  readonly penalty?: Node;
  readonly total: Node;
}

/** total = mse + weight * penalty. */
export function saeLoss(sparsity: Sparsity, x: Node, hidden: Node, recon: Node, w?: Node): LossParts {
  const mse = mseLoss(recon, x, w);
  if (sparsity.kind === 'none') return { mse, total: mse };
  const penalty =
    sparsity.kind === 'kl' ? klSparsity(hidden, sparsity.rho, w, sparsity.clamp) : l1Sparsity(hidden, w);
  return { mse, penalty, total: add(mse, mul(penalty, sparsity.weight)) };
}
