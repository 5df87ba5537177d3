// The TopK SAE with a sparse decoder. Only the encoder's forward product is dense (every latent's
// pre-activation is needed to find the k largest); the k selected pre-activations are recomputed
// as sparse dot products, so the gradient reaches W_enc and W_dec only through the selected rows:
// O(B k d) work instead of O(B n d) for the decoder, its weight gradient, and the encoder's.
import type { Node } from '../graph/node.js';
import { add, greaterEqual, mul, sub } from '../ops/binary.js';
import { constant } from '../ops/leaves.js';
import { matmul } from '../ops/matmul.js';
import { broadcastTo, reshape, sum, transpose } from '../ops/shape.js';
import { scatterAddLast, topkIndices } from '../ops/sparse.js';
import { sparseDot, sparseMatmul } from '../ops/sparse-products.js';
import { kthLargest } from '../ops/topk.js';
import { relu, sigmoid } from '../ops/unary.js';
import type { SaeConfig } from './config.js';
import type { Forward, ParamNodes } from './model.js';

/** The sparse code: each row's active latents as indices and values, [B, k] each. */
export interface SparseCode {
  readonly idx: Node;
  /** relu of the selected pre-activations; 0 where a selected one is negative (as the dense mask). */
  readonly vals: Node;
}

export interface SparseForward extends Forward {
  readonly code: SparseCode;
  /** The penalty's operand: `vals` for L1 (its row sums equal the dense code's), else `hidden`. */
  readonly penaltyHidden: Node;
}

/**
 * The pre-activations x·W_enc[:, idx] + b_enc[idx] of the selected latents, [B, k], as sparse dot
 * products (b_enc as a one-column weight against a column of ones), so their gradient is sparse.
 */
export function selectedPre(p: Pick<ParamNodes, 'W_enc' | 'b_enc'>, x: Node, idx: Node): Node {
  const n = p.b_enc.shape[0];
  const ones = broadcastTo(constant(1), [x.shape[0], 1]);
  return add(sparseDot(x, idx, transpose(p.W_enc)), sparseDot(ones, idx, reshape(p.b_enc, [n, 1])));
}

/** The decoder on a sparse code: dec(Σ_j vals · W_dec[idx] + b_dec). */
export function decodeSparse(c: SaeConfig, p: Pick<ParamNodes, 'W_dec' | 'b_dec'>, code: SparseCode): Node {
  const z = add(sparseMatmul(code.vals, code.idx, p.W_dec), p.b_dec);
  return c.decoder === 'sigmoid' ? sigmoid(z) : z;
}

/**
 * The TopK SAE (`encoder: 'topk'`) in its sparse form. Same values as the dense form (`forward`)
 * wherever no two pre-activations of a row tie at the k-th place (there the dense mask keeps every
 * tied latent, this form the lowest-indexed ones: exactly k).
 */
export function sparseTopKForward(c: SaeConfig, p: ParamNodes, x: Node): SparseForward {
  if (c.encoder !== 'topk' || c.k === undefined)
    throw new RangeError('sparse TopK: needs encoder topk and k');
  const pre = add(matmul(x, p.W_enc), p.b_enc);
  const idx = topkIndices(pre, c.k);
  const vals = relu(selectedPre(p, x, idx));
  const code = { idx, vals };
  const hidden = scatterAddLast(vals, idx, c.hiddenDim);
  const penaltyHidden = c.sparsity.kind === 'l1' ? vals : hidden;
  return { pre, hidden, recon: decodeSparse(c, p, code), code, penaltyHidden };
}

/**
 * BatchTopK's sparse form: the batch's B·k largest pre-activations (ReLU'd), found among each
 * row's top m candidates. Exact when no row holds more than m of the batch's B·k largest, which
 * `exact` (1 or 0) reports: then every row's m-th candidate is below the batch threshold. m = n
 * is always exact. The code is [B, m] with the candidates below the threshold zeroed.
 */
export function batchTopKSparse(
  p: Pick<ParamNodes, 'W_enc' | 'b_enc'>,
  x: Node,
  k: number,
  m: number,
): { code: SparseCode; pre: Node; exact: Node } {
  const n = p.b_enc.shape[0];
  if (!Number.isInteger(m) || m < k || m > n)
    throw new RangeError(`batchTopKSparse: m=${m} candidates per row must be an integer in [k=${k}, n=${n}]`);
  const pre = add(matmul(x, p.W_enc), p.b_enc);
  const idx = topkIndices(pre, m);
  const sel = selectedPre(p, x, idx);
  const batch = x.shape[0];
  // The threshold and the mask select only (kthLargest passes no gradient, nor do comparisons).
  const threshold = kthLargest(reshape(sel, [1, batch * m]), batch * k);
  const vals = mul(relu(sel), greaterEqual(sel, threshold));
  const rowMth = kthLargest(sel, m); // each row's smallest candidate
  const exact = m === n ? constant(1) : sub(1, greaterEqual(sum(greaterEqual(rowMth, threshold)), 1));
  return { code: { idx, vals }, pre, exact };
}
