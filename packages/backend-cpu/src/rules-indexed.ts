import type { Node } from '@saekit/core';
import { COO_DOT, COO_GATHER, COO_MATMUL, COO_MATMUL_T } from './kernels/coo.js';
import { GATHER_LAST, SCATTER_ADD_LAST } from './kernels/gather-scatter.js';
import { SPARSE_DOT_T, SPARSE_OUTER, SPARSE_OUTER_T } from './kernels/sparse-latents.js';
import { SPARSE_DOT, SPARSE_MATMUL } from './kernels/sparse-rows.js';
import { TOPK_INDICES } from './kernels/topk-indices.js';
import {
  scratchDoubles,
  TOPK_CANDIDATES,
  TOPK_RADIX_COLLECT,
  TOPK_RADIX_FIND_HIGH,
  TOPK_RADIX_FIND_LOW,
  TOPK_RADIX_HIGH,
  TOPK_RADIX_LOW,
  TOPK_RADIX_SORT,
  TOPK_RESOLVE,
  TOPK_SAMPLE,
} from './kernels/topk-radix.js';
import { buf, phase } from './phase.js';
import type { CompileContext, Phase } from './rules.js';
import type { StepOf } from './steps.js';

/** Last axis of a shape. */
const last = (n: Node): number => n.shape[n.shape.length - 1];

/** Row length from which a topkIndices over fewer rows than threads splits the row itself. */
const PART_ROW_MIN = 1 << 16;

/**
 * Parts of the row for a float32 topkIndices over fewer rows than threads (BatchTopK's one row of
 * B·n): a part a thread, selected by radix (kernels/topk-radix.ts). 0: it splits by rows, or not at all.
 */
export function topkParts(s: StepOf<'indexed'>, threads: number, float32: boolean): number {
  const { node, op, reads } = s;
  if (op.kind !== 'topkIndices' || reads.length > 1 || threads < 2 || !float32) return 0;
  const rows = node.size / op.k;
  return rows === 1 && last(reads[0]) >= PART_ROW_MIN ? threads : 0;
}

/**
 * How many units an `indexed` step's kernel splits over: rows of its batch, or latents (rows of
 * W) for a sparseOuter or a transposed sparseDot; a cooMatmul's output rows, a cooDot's entries.
 */
export function indexedUnits(s: StepOf<'indexed'>): number {
  const { node, op, reads } = s;
  switch (op.kind) {
    case 'topkIndices':
    case 'gatherLast':
      return node.size / last(node);
    case 'scatterAddLast':
      return node.size / op.n;
    case 'sparseOuter':
      return op.n;
    case 'sparseDot':
      return s.transposed ? reads[2].shape[1] : node.shape[0];
    case 'sparseMatmul':
      return node.shape[0];
    case 'cooMatmul':
      return op.n;
    case 'cooDot':
      return node.size;
  }
}

/** The kernel of a sparse TopK step (kernels/topk-indices.ts, gather-scatter.ts, sparse-*.ts). */
export function indexedRule(s: StepOf<'indexed'>, ctx: CompileContext, label: string): Phase[] {
  const { node, op, reads, split } = s;
  const units = indexedUnits(s);
  const b = (n: Node) => buf(ctx, n);
  const out = () => b(node);
  switch (op.kind) {
    case 'topkIndices': {
      // With a folded bias (fold-bias.ts), reads are [a, bias].
      const [x, bias] = reads;
      const parts = split && ctx.pool ? topkParts(s, ctx.threads, ctx.fastMath) : 0;
      if (parts > 0) return radixPhases(ctx, label, x, node, op.k, parts);
      const args = () => ({ x: b(x), out: out(), n: last(x), k: op.k, ...(bias && { bias: b(bias) }) });
      return [phase(ctx, label, split, TOPK_INDICES, bias ? { x, bias } : { x }, args, units)];
    }
    case 'gatherLast': {
      const [x, idx] = reads;
      const args = () => ({ x: b(x), idx: b(idx), out: out(), n: last(x), k: last(idx) });
      return [phase(ctx, label, split, GATHER_LAST, { x, idx }, args, units)];
    }
    case 'scatterAddLast': {
      const [v, idx] = reads;
      const args = () => ({ x: b(v), idx: b(idx), out: out(), n: op.n, k: last(idx) });
      return [phase(ctx, label, split, SCATTER_ADD_LAST, { x: v, idx }, args, units)];
    }
    case 'sparseMatmul': {
      const [vals, idx, w] = reads;
      const [n, d] = w.shape;
      const args = () => ({ a: b(vals), idx: b(idx), w: b(w), out: out(), n, d, k: last(idx) });
      return [phase(ctx, label, split, SPARSE_MATMUL, { a: vals, idx, w }, args, units)];
    }
    case 'sparseDot': {
      const [x, idx, w] = reads;
      const k = last(idx);
      if (s.transposed) {
        const [d, n] = w.shape;
        const args = () => ({ x: b(x), idx: b(idx), wT: b(w), out: out(), n, d, k, len: idx.size });
        return [phase(ctx, label, split, SPARSE_DOT_T, { x, idx, wT: w }, args, units)];
      }
      const [n, d] = w.shape;
      const args = () => ({ a: b(x), idx: b(idx), w: b(w), out: out(), n, d, k });
      return [phase(ctx, label, split, SPARSE_DOT, { a: x, idx, w }, args, units)];
    }
    case 'sparseOuter': {
      const [vals, idx, x] = reads;
      const args = () => ({
        vals: b(vals),
        idx: b(idx),
        x: b(x),
        out: out(),
        n: op.n,
        d: last(x),
        k: last(idx),
        len: idx.size,
      });
      const kernel = s.transposed ? SPARSE_OUTER_T : SPARSE_OUTER;
      return [phase(ctx, label, split, kernel, { vals, idx, x }, args, units)];
    }
    case 'cooMatmul': {
      const [vals, dst, src, x] = reads;
      const [m, d] = x.shape;
      const args = () => ({
        vals: b(vals),
        dst: b(dst),
        src: b(src),
        x: b(x),
        out: out(),
        n: op.n,
        m,
        d,
        len: dst.size,
      });
      const kernel = s.transposed ? COO_MATMUL_T : COO_MATMUL;
      return [phase(ctx, label, split, kernel, { vals, dst, src, x }, args, units)];
    }
    case 'cooDot': {
      if (s.gathered) {
        const [p, dst, src] = reads;
        const [n, m] = p.shape;
        const args = () => ({ p: b(p), dst: b(dst), src: b(src), out: out(), n, m });
        return [phase(ctx, `${label} (gathered)`, split, COO_GATHER, { p, dst, src }, args, units)];
      }
      const [a, dst, src, x] = reads;
      const [n, d] = a.shape;
      const args = () => ({ a: b(a), dst: b(dst), src: b(src), x: b(x), out: out(), n, m: x.shape[0], d });
      return [phase(ctx, label, split, COO_DOT, { a, dst, src, x }, args, units)];
    }
  }
}

/** One long row's topkIndices by radix: histograms and passes split in parts, the rest on this thread. */
function radixPhases(
  ctx: CompileContext,
  label: string,
  x: Node,
  node: Node,
  k: number,
  parts: number,
): Phase[] {
  const scratch = ctx.scratch(scratchDoubles(parts, k), true);
  const xs = buf(ctx, x);
  const ys = buf(ctx, node);
  if (!(xs instanceof Float32Array && ys instanceof Float32Array))
    throw new Error(
      'cpu topkIndices: the radix selection reads float32 bits (unreachable: topkParts checks)',
    );
  const args = () => ({
    x: xs,
    out: ys,
    n: last(x),
    k,
    parts,
    scratch,
  });
  const split = (name: string, kernel: typeof TOPK_RADIX_HIGH) =>
    phase(ctx, `${label} ${name}`, true, kernel, { x }, args, parts, 1);
  const one = (name: string, kernel: typeof TOPK_RADIX_HIGH) =>
    phase(ctx, `${label} ${name}`, false, kernel, {}, args, 1);
  // The exact phases return at once when the fast path finished (kernels/topk-radix.ts).
  return [
    one('[sample]', TOPK_SAMPLE),
    split('[candidates]', TOPK_CANDIDATES),
    one('[resolve]', TOPK_RESOLVE),
    split('[high bits]', TOPK_RADIX_HIGH),
    one('[find bin]', TOPK_RADIX_FIND_HIGH),
    split('[low bits]', TOPK_RADIX_LOW),
    one('[find key]', TOPK_RADIX_FIND_LOW),
    split('[collect]', TOPK_RADIX_COLLECT),
    one('[sort]', TOPK_RADIX_SORT),
  ];
}
