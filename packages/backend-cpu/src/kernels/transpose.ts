import type { FloatArray, Shape } from '@saekit/core';
import { stridesOf } from '@saekit/core';

export type TransposeKernel = (x: FloatArray, out: FloatArray) => void;

/** out = x with axes permuted (output axis i is input axis perm[i]). */
export function compileTranspose(shape: Shape, perm: readonly number[]): TransposeKernel {
  const outShape = perm.map((a) => shape[a]);
  const inStrides = stridesOf(shape);
  const st = perm.map((a) => inStrides[a]);
  const rank = outShape.length;
  const size = outShape.reduce((a, b) => a * b, 1);
  if (rank === 2) {
    const [m, n] = outShape;
    const [s0, s1] = st;
    const B = 32; // tiles keep both the reads and the writes in cache
    return (x, out) => {
      for (let i0 = 0; i0 < m; i0 += B) {
        for (let j0 = 0; j0 < n; j0 += B) {
          const iEnd = Math.min(i0 + B, m);
          const jEnd = Math.min(j0 + B, n);
          for (let i = i0; i < iEnd; i++) for (let j = j0; j < jEnd; j++) out[i * n + j] = x[i * s0 + j * s1];
        }
      }
    };
  }
  const idx = new Int32Array(rank);
  return (x, out) => {
    idx.fill(0);
    let src = 0;
    for (let i = 0; i < size; i++) {
      out[i] = x[src];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]++;
        src += st[d];
        if (idx[d] < outShape[d]) break;
        src -= st[d] * outShape[d];
        idx[d] = 0;
      }
    }
  };
}
