import type { FloatArray } from '@saekit/core';

/**
 * out[m,n] = op(a) · op(b), overwriting out. a is [m,k] ([k,m] when transA), b is [k,n]
 * ([n,k] when transB), all row-major. Placeholder reference loop; replaced by the blocked kernel.
 */
export function matmul(
  a: FloatArray,
  b: FloatArray,
  out: FloatArray,
  m: number,
  n: number,
  k: number,
  transA: boolean,
  transB: boolean,
): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
      out[i * n + j] = s;
    }
  }
}
