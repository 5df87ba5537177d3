import type { FloatArray } from '@saekit/core';
import { matmul } from './matmul.js';
import { tryOuterMatmul } from './outer-matmul.js';
import { trySparseMatmul } from './sparse-matmul.js';

/**
 * out = op(a)·op(b) on rows [rowStart, rowEnd), by the fastest kernel that applies: aᵀ·b from the
 * non-zeros of both operands (outer-matmul.ts), op(a)·b from the non-zeros of op(a)
 * (sparse-matmul.ts), else the packed dense kernel (matmul.ts). Each sparse kernel decides from a
 * fixed sample of its operands, so every thread of a split product picks the same one.
 */
export function matmulAuto(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
  rowStart = 0,
  rowEnd = m,
): void {
  if (transA && !transB && tryOuterMatmul(a, b, out, m, n, k, rowStart, rowEnd)) return;
  if (trySparseMatmul(a, b, out, m, n, k, transA, transB, rowStart, rowEnd)) return;
  matmul(a, b, out, m, n, k, transA, transB, rowStart, rowEnd);
}
