import type { ParallelKernel } from '../parallel/kernel.js';
import { tryHypersparseMatmul } from './hypersparse-matmul.js';
import { type MatmulArgs, matmul } from './matmul.js';
import { tryOuterMatmul } from './outer-matmul.js';
import { trySparseMatmul } from './sparse-matmul.js';
import { planStrassen, type StrassenPlan, strassenLevels } from './strassen.js';

/**
 * out = op(a)·op(b) on rows [rowStart, rowEnd), by the fastest kernel that applies: aᵀ·b from the
 * non-zeros of both operands (outer-matmul.ts), op(a)·b from the non-zeros of op(a)
 * (sparse-matmul.ts), op(a)·b from the few non-zeros of b (hypersparse-matmul.ts), else the
 * dense product: Strassen (strassen.ts) when `strassen` is given and out is float32, else the
 * packed kernel (matmul.ts). Each sparse kernel decides from a fixed sample of its operands, so
 * every thread of a split product picks the same one.
 */
export function matmulAuto(args: MatmulArgs, rowStart = 0, rowEnd = args.m, strassen?: StrassenPlan): void {
  if (tryOuterMatmul(args, rowStart, rowEnd)) return;
  if (trySparseMatmul(args, rowStart, rowEnd)) return;
  if (tryHypersparseMatmul(args, rowStart, rowEnd)) return;
  if (strassen && args.out instanceof Float32Array) {
    strassen.run(args, unitAt(rowStart, args.m, strassen.units), unitAt(rowEnd, args.m, strassen.units));
    return;
  }
  matmul(args, rowStart, rowEnd);
}

/**
 * Where row r of m falls among `units` units: in proportion, rounded to 16 (a cache line of float32
 * columns, so threads writing neighbouring pieces share no line). Monotone, 0 at 0 and `units` at m:
 * contiguous pieces of rows give contiguous pieces of units that cover each once, whatever the split.
 */
function unitAt(r: number, m: number, units: number): number {
  return r >= m ? units : Math.min(units, Math.round((r * units) / m / 16) * 16);
}

/**
 * The dense kernel a product [m,k]·[k,n] gets when no sparse one takes it (what tests and
 * benchmarks ask): 'strassen-L' for L levels, else 'packed'. Float32 results only.
 */
export function denseKernelOf(m: number, n: number, k: number): string {
  const levels = strassenLevels(m, n, k);
  return levels > 0 ? `strassen-${levels}` : 'packed';
}

/** A product's arguments; `strassenLevels` overrides the choice of levels (benchmarks, tests). */
export interface AutoMatmulArgs extends MatmulArgs {
  readonly strassenLevels?: number;
}

/** A product split by rows of out; large ones bind a Strassen plan once (strassen.ts). */
export const MATMUL: ParallelKernel<AutoMatmulArgs> = {
  name: 'matmul',
  bind: (args) => {
    const levels = args.strassenLevels ?? strassenLevels(args.m, args.n, args.k);
    const plan = levels > 0 ? planStrassen(args, levels) : undefined;
    return (lo, hi) => matmulAuto(args, lo, hi, plan);
  },
};
