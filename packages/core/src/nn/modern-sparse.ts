// The sparse formulation of the TopK-family modern recipes (topk, batchtopk, matryoshka), as
// sparse-topk.ts does for the classic TopK SAE: only the encoder's forward product is dense; the
// selected latents' pre-activations are recomputed as sparse dot products, and the decoder, its
// weight gradient and the gradient into the encoder use only the selected rows. Same losses,
// reductions and stop-gradients as the dense form (modern-model.ts); the dense-shaped `hidden`
// and `auxHidden` are scattered from the codes for the outputs that report them.
import type { Node } from '../graph/node.js';
import { add, greater, greaterEqual, mul, sub } from '../ops/binary.js';
import { reshape, sum } from '../ops/shape.js';
import { gatherLast, scatterAddLast, topkIndices } from '../ops/sparse.js';
import { sparseMatmul } from '../ops/sparse-products.js';
import { kthLargest } from '../ops/topk.js';
import { relu } from '../ops/unary.js';
import { where } from '../ops/where.js';
import type { Architecture, ResolvedModernConfig } from './modern-config.js';
import { type ModernParamNodes, NOT_SELECTED } from './modern-model.js';
import { type SparseCode, selectedPre } from './sparse-topk.js';

/** How a graph is built: `dense` (masks over all latents) or `sparse` (indices and values). */
export type ModernFormulation = 'dense' | 'sparse';

/** The architectures with a sparse formulation. */
export const SPARSE_ARCHITECTURES: readonly Architecture[] = Object.freeze([
  'topk',
  'batchtopk',
  'matryoshka',
]);

export const hasSparseFormulation = (a: Architecture): boolean => SPARSE_ARCHITECTURES.includes(a);

/** The formulation a recipe trains with when none is asked for: sparse where it exists. */
export const defaultFormulation = (a: Architecture): ModernFormulation =>
  hasSparseFormulation(a) ? 'sparse' : 'dense';

/** The asked formulation, or the default; a clear error for an architecture without a sparse form. */
export function resolveFormulation(a: Architecture, f?: ModernFormulation): ModernFormulation {
  if (f === undefined) return defaultFormulation(a);
  if (f !== 'dense' && f !== 'sparse')
    throw new RangeError(`formulation: "${String(f)}" is not one of dense, sparse`);
  if (f === 'sparse' && !hasSparseFormulation(a))
    throw new RangeError(
      `formulation sparse: architecture ${a} has no sparse form (only ${SPARSE_ARCHITECTURES.join(', ')}); use dense`,
    );
  return f;
}

/**
 * BatchTopK's candidates per row when none is given: 8·⌈k⌉ (at most d_sae). Exact while no row
 * holds more than that many of the batch's K = ⌊k·B⌋ largest activations; each step checks it.
 */
export const defaultCandidates = (c: ResolvedModernConfig): number =>
  Math.min(c.hiddenDim, 8 * Math.ceil(c.k!));

/** What the sparse forward pass starts from. */
export interface SparseModernInput {
  /** The encoder's input (x − b_dec, or x). */
  readonly u: Node;
  /** The dense pre-activations u W_enc + b_enc: they choose, and send no gradient. */
  readonly pre: Node;
  /** [B, 1]: 1 for real rows, 0 for padding. */
  readonly realRow: Node;
  /** batchtopk family: candidates per row (default `defaultCandidates`). */
  readonly candidates?: number;
}

/** What the sparse forward pass gives the losses and the host state. */
export interface SparseModernForward {
  readonly code: SparseCode;
  /** The dense-shaped activations [B, H], scattered from the code (outputs only). */
  readonly hidden: Node;
  readonly recon: Node;
  /** [H]: 1 where a latent is active on some real row. */
  readonly fired: Node;
  /** batchtopk family: 1 when every row held fewer than `candidates` of the batch's selection, else 0. */
  readonly exact?: Node;
}

/** Σ over rows of the code's values, scattered to [H]: positive exactly where a latent fired. */
function firedOf(code: SparseCode, realRow: Node, n: number): Node {
  const [B, m] = code.vals.shape;
  const v = reshape(mul(code.vals, realRow), [1, B * m]);
  return reshape(greater(scatterAddLast(v, reshape(code.idx, [1, B * m]), n), 0), [n]);
}

/**
 * The TopK family's training activations as a sparse code. topk: each row's k largest
 * pre-activations, ReLU'd (the dense mask's values and gradient). batchtopk and matryoshka: each
 * row's `candidates` largest pre-activations, then of a = ReLU(those) on real rows the K = ⌊k·B⌋
 * largest over the batch, as the dense BatchTopK over all B·H entries selects them whenever no
 * row holds `candidates` or more of them: `exact` reports that (a row's smallest candidate, if
 * positive, below the batch's K-th largest).
 */
export function sparseModernCode(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  { u, pre, realRow, candidates }: SparseModernInput,
): { code: SparseCode; exact?: Node } {
  if (c.architecture === 'topk') {
    const idx = topkIndices(pre, c.k!);
    return { code: { idx, vals: relu(selectedPre(p, u, idx)) } };
  }
  if (!hasSparseFormulation(c.architecture))
    throw new RangeError(`formulation sparse: architecture ${c.architecture} has no sparse form`);
  const [B, H] = pre.shape;
  const K = Math.floor(c.k! * B);
  if (K < 1) throw new RangeError(`batchtopk: k=${c.k} on a batch of ${B} selects K=⌊k·B⌋=${K} < 1 entries`);
  const m = candidates ?? defaultCandidates(c);
  if (!Number.isInteger(m) || m < Math.ceil(c.k!) || m > H)
    throw new RangeError(
      `batchtopk sparse: candidates=${m} per row must be an integer in [⌈k⌉=${Math.ceil(c.k!)}, d_sae=${H}]`,
    );
  const idx = topkIndices(pre, m);
  const a = mul(relu(selectedPre(p, u, idx)), realRow);
  const kth = kthLargest(reshape(a, [1, B * m]), Math.min(K, B * m));
  const vals = mul(a, greaterEqual(a, kth));
  if (m === H) return { code: { idx, vals } };
  // A row whose smallest candidate is positive and selected may hold more beyond its candidates.
  const rowLast = kthLargest(a, m);
  const overflow = mul(greater(rowLast, 0), greaterEqual(rowLast, kth));
  return { code: { idx, vals }, exact: sub(1, greater(sum(overflow), 0)) };
}

/** x̂ = Σ_j vals·W_dec[idx] + b_dec. */
export const decodeCode = (p: Pick<ModernParamNodes, 'W_dec' | 'b_dec'>, code: SparseCode): Node =>
  add(sparseMatmul(code.vals, code.idx, p.W_dec), p.b_dec);

/** The sparse training forward pass of a TopK-family recipe. */
export function sparseModernForward(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  input: SparseModernInput,
): SparseModernForward {
  const { code, exact } = sparseModernCode(c, p, input);
  const H = c.hiddenDim;
  return {
    code,
    hidden: scatterAddLast(code.vals, code.idx, H),
    recon: decodeCode(p, code),
    fired: firedOf(code, input.realRow, H),
    exact,
  };
}

/** Matryoshka's prefix reconstructions on the code: latents with index ≥ w dropped, for each width but the last. */
export function sparsePrefixRecons(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  code: SparseCode,
): Record<number, Node> {
  const out: Record<number, Node> = {};
  for (const w of (c.matryoshkaWidths ?? []).slice(0, -1)) {
    out[w] = decodeCode(p, { idx: code.idx, vals: mul(code.vals, greater(w, code.idx)) });
  }
  return out;
}

/**
 * AuxK's code: per row the kAux largest pre-activations among the dead latents (non-dead ones are
 * NOT_SELECTED, so dead ones come first), ReLU'd, and zeroed where the index is not dead (fewer
 * than kAux dead). Its reconstruction ê = Σ a·W_dec[idx], without b_dec.
 */
export function sparseAuxK(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  u: Node,
  pre: Node,
  dead: Node,
): { code: SparseCode; auxHidden: Node; auxRecon: Node } {
  const masked = where(dead, pre, NOT_SELECTED);
  const idx = topkIndices(masked, c.auxk!.kAux);
  const isDead = greater(gatherLast(masked, idx), NOT_SELECTED / 2);
  const vals = mul(relu(selectedPre(p, u, idx)), isDead);
  const code = { idx, vals };
  return {
    code,
    auxHidden: scatterAddLast(vals, idx, c.hiddenDim),
    auxRecon: sparseMatmul(vals, idx, p.W_dec),
  };
}
