import type { Node } from '../graph/node.js';
import { add, div, greater, mul, sub } from '../ops/binary.js';
import { square } from '../ops/composite.js';
import { matmul } from '../ops/matmul.js';
import { sum } from '../ops/shape.js';
import { sqrt, stopGradient } from '../ops/unary.js';
import { where } from '../ops/where.js';
import { AUXK_DEFAULTS, type ResolvedModernConfig } from './modern-config.js';
import type { ModernParamNodes } from './modern-model.js';

/**
 * The modern losses, exactly as docs/modern-saes.md states them. Every batch mean is a sum
 * weighted by `w` [B, 1] (1/rows for real rows, 0 for padding), as in the classic losses.
 */

/** Σ_b w_b Σ_j t_bj: the batch mean of each row's sum. */
export const rowSumMean = (t: Node, w: Node): Node => sum(mul(sum(t, [1], true), w));

/** Σ_b w_b Σ_d (a − b)². */
export const sumSquaredMean = (a: Node, b: Node, w: Node): Node => rowSumMean(square(sub(a, b)), w);

/** Σ_b w_b Σ_d (t_bd − t̄_d)², t̄ the weighted batch mean: the batch's variance, summed over d. */
export function batchVariance(t: Node, w: Node): Node {
  const centre = sum(mul(t, w), [0], true);
  return rowSumMean(square(sub(t, centre)), w);
}

/** ‖W_dec,i‖₂ for each latent, [H, 1]. */
export const decoderRowNorms = (W_dec: Node): Node => sqrt(sum(square(W_dec), [1], true));

/** standard's L1: Σ_b w_b Σ_i f_bi ‖W_dec,i‖ (f ≥ 0 after the ReLU). */
export const weightedL1 = (f: Node, W_dec: Node, w: Node): Node =>
  sum(mul(matmul(f, decoderRowNorms(W_dec)), w));

/**
 * AuxK (Gao et al. 2024, openai `normalized_mse`): the dead latents' reconstruction ê = a W_dec
 * (no b_dec) of the residual e = sg(x − x̂), normalised by e's batch variance; 0, with no
 * gradient, when no latent is dead.
 */
export function auxKLoss(p: ModernParamNodes, auxHidden: Node, x: Node, recon: Node, dead: Node, w: Node) {
  const auxRecon = matmul(auxHidden, p.W_dec);
  return { auxRecon, auxk: auxKLossOf(auxRecon, x, recon, dead, w) };
}

/** AuxK from the dead latents' reconstruction ê however it was computed (dense or sparse). */
export function auxKLossOf(auxRecon: Node, x: Node, recon: Node, dead: Node, w: Node): Node {
  const e = stopGradient(sub(x, recon));
  const ratio = div(sumSquaredMean(auxRecon, e, w), batchVariance(e, w));
  return where(greater(sum(dead), 0), ratio, 0);
}

const coefficient = (c: number, scale?: Node): Node | number => (scale ? mul(scale, c) : c);

export interface ModernLossInput {
  readonly x: Node;
  readonly w: Node;
  readonly hidden: Node;
  readonly recon: Node;
  /** jumprelu: the per-entry L0 term with its pseudo-derivative. */
  readonly l0?: Node;
  /** matryoshka: the prefix reconstructions by width. */
  readonly innerRecon?: Record<number, Node>;
  /** AuxK: its loss, when configured. */
  readonly auxk?: Node;
  /** A scalar that multiplies the L1/L0 coefficient (its warm-up schedule), when given. */
  readonly sparsityScale?: Node;
}

/** Each part unweighted (named as the golden cases name them), and the total with the coefficients. */
export function modernLoss(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  l: ModernLossInput,
): { parts: Record<string, Node>; total: Node } {
  const parts: Record<string, Node> = {};
  const recon = sumSquaredMean(l.recon, l.x, l.w);
  let total: Node;
  if (c.reconLoss === 'nmse') {
    parts.nmse = div(recon, batchVariance(l.x, l.w));
    total = parts.nmse;
  } else {
    parts.mse = recon;
    total = recon;
  }
  if (c.architecture === 'standard') {
    parts.l1 = weightedL1(l.hidden, p.W_dec, l.w);
    total = add(total, mul(parts.l1, coefficient(c.l1Coefficient!, l.sparsityScale)));
  }
  if (c.architecture === 'jumprelu') {
    parts.l0 = rowSumMean(l.l0!, l.w);
    total = add(total, mul(parts.l0, coefficient(c.l0Coefficient!, l.sparsityScale)));
  }
  for (const [width, r] of Object.entries(l.innerRecon ?? {})) {
    parts[`inner_mse_${width}`] = sumSquaredMean(r, l.x, l.w);
    total = add(total, parts[`inner_mse_${width}`]);
  }
  if (l.auxk) {
    parts.auxk = l.auxk;
    total = add(total, mul(l.auxk, c.auxk!.coefficient ?? AUXK_DEFAULTS.coefficient));
  }
  return { parts, total };
}
