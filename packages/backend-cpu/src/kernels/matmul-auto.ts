import type { ParallelKernel } from '../parallel/kernel.js';
import { tryHypersparseMatmul } from './hypersparse-matmul.js';
import { type MatmulArgs, matmul } from './matmul.js';
import { tryOuterMatmul } from './outer-matmul.js';
import { trySparseMatmul } from './sparse-matmul.js';

/**
 * out = op(a)·op(b) on rows [rowStart, rowEnd), by the fastest kernel that applies: aᵀ·b from the
 * non-zeros of both operands (outer-matmul.ts), op(a)·b from the non-zeros of op(a)
 * (sparse-matmul.ts), op(a)·b from the few non-zeros of b (hypersparse-matmul.ts), else the
 * packed dense kernel (matmul.ts). Each sparse kernel decides from a
 * fixed sample of its operands, so every thread of a split product picks the same one.
 */
export function matmulAuto(args: MatmulArgs, rowStart = 0, rowEnd = args.m): void {
  if (tryOuterMatmul(args, rowStart, rowEnd)) return;
  if (trySparseMatmul(args, rowStart, rowEnd)) return;
  if (tryHypersparseMatmul(args, rowStart, rowEnd)) return;
  matmul(args, rowStart, rowEnd);
}

/** A product split by rows of out. */
export const MATMUL: ParallelKernel<MatmulArgs> = {
  name: 'matmul',
  bind: (args) => (lo, hi) => matmulAuto(args, lo, hi),
};
