import { add, greater, greaterEqual, mul, sub } from '../ops/binary.js';
import { cooDot, cooMatmul } from '../ops/coo.js';
import { constant } from '../ops/leaves.js';
import { broadcastTo, reshape, sum, transpose } from '../ops/shape.js';
import { gatherLast, scatterAddLast, topkIndices } from '../ops/sparse.js';
import { kthLargest } from '../ops/topk.js';
import { relu } from '../ops/unary.js';
import type { ModernParamNodes } from './modern-model.js';
import type { DecodableCode, SparseModernInput } from './modern-sparse.js';
import { perRowCode } from './modern-sparse.js';
import { selectedPre } from './sparse-topk.js';

/**
 * The batch's K largest as one code of K entries, each with its row and latent: the flat indices
 * of `topkIndices` over the [1, B·H] reshape (B·H ≤ 2^24), their rows gathered from a constant
 * row-number map, latent = flat − row·H. The products take the entries in coordinate form
 * (ops/coo.ts): each entry's pre-activation is the dot of its row of u with its latent's column of
 * W_enc, and the decoder adds vals·W_dec[latent] into its row, so neither pass nor their gradients
 * form a [K, d] matrix. Gradients flow through these products only, as in the per-row codes.
 */
export function batchTopKFlat(
  p: ModernParamNodes,
  { u, pre, realRow }: SparseModernInput,
  K: number,
): DecodableCode {
  const [B, H] = pre.shape;
  const a = mul(relu(pre), realRow);
  const flat = topkIndices(reshape(a, [1, B * H]), K);
  const rowNumbers = constant(
    Array.from({ length: B }, (_, b) => b),
    [B, 1],
  );
  const rowOf = gatherLast(reshape(broadcastTo(rowNumbers, [B, H]), [1, B * H]), flat);
  const latent = sub(flat, mul(rowOf, H));
  // Padding rows' entries (chosen only when fewer than K are positive) are zeroed as in a.
  const real = gatherLast(reshape(realRow, [1, B]), rowOf);
  const selected = add(
    cooDot(u, rowOf, latent, transpose(p.W_enc)),
    gatherLast(reshape(p.b_enc, [1, H]), latent),
  );
  const flatVals = mul(relu(selected), real);
  // The code is [K, 1] (one entry a row of it); the products take entries of any shape.
  const vals = reshape(flatVals, [K, 1]);
  const row = reshape(rowOf, [K, 1]);
  const idx = reshape(latent, [K, 1]);
  return {
    code: { idx, vals },
    decode: (v) => cooMatmul(v, row, idx, p.W_dec, B),
    hidden: reshape(scatterAddLast(flatVals, flat, B * H), [B, H]),
  };
}

/**
 * Among each row's m largest pre-activations, the batch's K largest of a = ReLU(·) on real rows.
 * The dense selection exactly when no row holds m or more of it; `exact` (1 or 0) reports that: a
 * row whose m-th candidate is positive and selected may hold more beyond its candidates.
 */
export function batchTopKCandidates(
  p: ModernParamNodes,
  { u, pre, realRow }: SparseModernInput,
  K: number,
  m: number,
): DecodableCode {
  const [B, H] = pre.shape;
  const idx = topkIndices(pre, m);
  const a = mul(relu(selectedPre(p, u, idx)), realRow);
  const kth = kthLargest(reshape(a, [1, B * m]), Math.min(K, B * m));
  const code = perRowCode(p, { idx, vals: mul(a, greaterEqual(a, kth)) }, H);
  if (m === H) return code;
  const rowLast = kthLargest(a, m);
  const overflow = mul(greater(rowLast, 0), greaterEqual(rowLast, kth));
  return { ...code, exact: sub(1, greater(sum(overflow), 0)) };
}
