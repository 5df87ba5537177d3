import type { Node } from '@saekit/core';
import type { Step, StepOf } from './steps.js';

/**
 * The gather pass (float32 only): a sparseDot of x's rows with the columns of W at idx (a TopK SAE's
 * selected pre-activations, core's `selectedPre`: sparseDot(x, idx, transpose(W))) reads entries
 * of x·W; where the step computes that product as a dense matmul earlier in the run, they are
 * gathered from it (gatherLast) instead of summed again: k values a row instead of k dot products
 * of length d, and the latents' columns of W, strided through memory, are never read.
 *
 * The values are the product's: float64 sums rounded to float32 per block of k (and Strassen's
 * block sums at scale), where a dot rounds once, so they can differ from the dots by the product's
 * own error. The float64 reference keeps the dots. The onnx backend does the same (its
 * lower/selected-pre.ts). Why here and not in core's graph: the dots' gradient is the sparse one
 * (sparseOuter into W); a gather from the dense pre would carry a dense gradient back through the
 * product. Only the forward value changes here; the gradient steps read nothing of it.
 *
 * A batch-wide code's cooDot(u, row, latent, transpose(W)) (core's batchTopKFlat) is gathered the
 * same way, from the product u·W at (row, latent).
 */
export function gatherSelectedPre(steps: readonly Step[]): Step[] {
  const products: Node[] = [];
  return steps.map((s): Step => {
    if (s.kind === 'matmul') products.push(s.node);
    if (s.kind === 'indexed' && s.op.kind === 'cooDot') return gatherCoo(s, products);
    if (s.kind !== 'indexed' || s.op.kind !== 'sparseDot') return s;
    const [x, idx, w] = s.reads;
    if (x.rank !== 2) return s;
    // Transposed (fold.ts): w is W [d, n], the product x·W. Else w is [n, d], the product x·wᵀ.
    const product = productOf(products, x, w, !s.transposed);
    if (!product) return s;
    return {
      kind: 'indexed',
      node: s.node,
      op: { kind: 'gatherLast' },
      reads: [product, idx],
      transposed: false,
      split: s.split,
    };
  });
}

/** cooDot(a, dst, src, transpose(W)) read from an earlier a·W, where there is one. */
function gatherCoo(s: StepOf<'indexed'>, products: readonly Node[]): Step {
  const [a, dst, src, x] = s.reads;
  if (x.op.kind !== 'transpose' || x.rank !== 2 || x.op.perm[0] !== 1) return s;
  const product = productOf(products, a, x.inputs[0], false);
  return product ? { ...s, reads: [product, dst, src], gathered: true } : s;
}

/** The earlier product x·w (x·wᵀ when transB) among `products`, if any. */
function productOf(products: readonly Node[], x: Node, w: Node, transB: boolean): Node | undefined {
  return products.find(
    (p) =>
      p.op.kind === 'matmul' &&
      !p.op.transA &&
      p.op.transB === transB &&
      p.inputs[0] === x &&
      p.inputs[1] === w,
  );
}
