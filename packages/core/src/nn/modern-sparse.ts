// The sparse formulation of the TopK-family modern recipes (topk, batchtopk, matryoshka), as
// sparse-topk.ts does for the classic TopK SAE: only the encoder's forward product is dense; the
// selected latents' pre-activations are recomputed as sparse dot products, and the decoder, its
// weight gradient and the gradient into the encoder use only the selected rows. Same losses,
// reductions and stop-gradients as the dense form (modern-model.ts); the dense-shaped `hidden`
// and `auxHidden` are scattered from the codes for the outputs that report them.
import type { Node } from '../graph/node.js';
import { add, greater, mul } from '../ops/binary.js';
import { reshape } from '../ops/shape.js';
import { gatherLast, MAX_INDEXED, scatterAddLast, topkIndices } from '../ops/sparse.js';
import { sparseMatmul } from '../ops/sparse-products.js';
import { relu } from '../ops/unary.js';
import { where } from '../ops/where.js';
import type { Architecture, ResolvedModernConfig } from './modern-config.js';
import type { ModernParamNodes } from './modern-model.js';
import { NOT_SELECTED } from './modern-model.js';
import { batchTopKCandidates, batchTopKFlat } from './modern-sparse-batch.js';
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
 * BatchTopK's candidates per row where the batch selection cannot be flattened (B·d_sae > 2^24):
 * 8·⌈k⌉ (at most d_sae). Exact while no row holds that many of the batch's K = ⌊k·B⌋ largest
 * activations; each step checks it.
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
  // Per-row codes [B, k] mask padding rows here; the batch codes have them zeroed already.
  const vals = B === realRow.shape[0] ? mul(code.vals, realRow) : code.vals;
  const v = reshape(vals, [1, B * m]);
  return reshape(greater(scatterAddLast(v, reshape(code.idx, [1, B * m]), n), 0), [n]);
}

/**
 * A sparse code with how to decode it: `code.idx` the latent of each value, `decode(vals)` the
 * reconstruction Σ vals·W_dec[idx] (without b_dec) for values of the code's shape (a prefix masks
 * some), `hidden` the dense-shaped [B, H] activations.
 */
export interface DecodableCode {
  readonly code: SparseCode;
  readonly decode: (vals: Node) => Node;
  readonly hidden: Node;
  /** per-row candidates only: 1 when the selection equals the dense one (see `batchTopKCandidates`). */
  readonly exact?: Node;
}

/** A per-row code [B, k]: decoded and scattered row by row. */
export function perRowCode(p: Pick<ModernParamNodes, 'W_dec'>, code: SparseCode, n: number): DecodableCode {
  return {
    code,
    decode: (vals) => sparseMatmul(vals, code.idx, p.W_dec),
    hidden: scatterAddLast(code.vals, code.idx, n),
  };
}

/**
 * The TopK family's training activations as a sparse code. topk: each row's k largest
 * pre-activations, ReLU'd (the dense mask's values and gradient). batchtopk and matryoshka: the
 * K = ⌊k·B⌋ largest of a = ReLU(pre) on real rows over the whole batch, exactly
 * (`batchTopKFlat`); or, given `candidates`, among each row's `candidates` largest, with the
 * check that this is the same selection (`batchTopKCandidates`).
 */
export function sparseModernCode(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  input: SparseModernInput,
): DecodableCode {
  const { u, pre } = input;
  if (c.architecture === 'topk') {
    const idx = topkIndices(pre, c.k!);
    return perRowCode(p, { idx, vals: relu(selectedPre(p, u, idx)) }, c.hiddenDim);
  }
  if (!hasSparseFormulation(c.architecture))
    throw new RangeError(`formulation sparse: architecture ${c.architecture} has no sparse form`);
  const [B, H] = pre.shape;
  const K = Math.floor(c.k! * B);
  if (K < 1) throw new RangeError(`batchtopk: k=${c.k} on a batch of ${B} selects K=⌊k·B⌋=${K} < 1 entries`);
  if (input.candidates === undefined && B * H <= MAX_INDEXED) return batchTopKFlat(p, input, K);
  const m = input.candidates ?? defaultCandidates(c);
  if (!Number.isInteger(m) || m < Math.ceil(c.k!) || m > H)
    throw new RangeError(
      `batchtopk sparse: candidates=${m} per row must be an integer in [⌈k⌉=${Math.ceil(c.k!)}, d_sae=${H}]`,
    );
  return batchTopKCandidates(p, input, K, m);
}

/** Latent pre-activations and values for the sparse forward pass, decoded (+ b_dec). */
export function sparseModernForward(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  input: SparseModernInput,
): SparseModernForward & { decodable: DecodableCode } {
  const d = sparseModernCode(c, p, input);
  return {
    code: d.code,
    decodable: d,
    hidden: d.hidden,
    recon: add(d.decode(d.code.vals), p.b_dec),
    fired: firedOf(d.code, input.realRow, c.hiddenDim),
    exact: d.exact,
  };
}

/** Matryoshka's prefix reconstructions on the code: latents with index ≥ w dropped, for each width but the last. */
export function sparsePrefixRecons(
  c: ResolvedModernConfig,
  p: ModernParamNodes,
  d: DecodableCode,
): Record<number, Node> {
  const out: Record<number, Node> = {};
  for (const w of (c.matryoshkaWidths ?? []).slice(0, -1)) {
    out[w] = add(d.decode(mul(d.code.vals, greater(w, d.code.idx))), p.b_dec);
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
