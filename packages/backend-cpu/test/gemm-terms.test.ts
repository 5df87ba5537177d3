import { Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { gemmTerms, type TermsProduct } from '../src/kernels/gemm-terms.js';

// gemmTerms on its own, with term and target counts Strassen's tables never produce (three of each,
// so the flush's odd target runs), two k blocks, and targets that mix first writes with adds.

describe('gemmTerms: C_t (+)= s_t · (Σ s_u A_u)(Σ s_v B_v)', () => {
  it('matches a float64 sum of block products, whatever the target count, sign and k blocks', () => {
    const [rows, cols, k] = [7, 11, 500]; // k > one k block (384); rows and cols not multiples of the tile
    const [lda, ldb, ldc] = [3 * k, 3 * cols, 4 * cols];
    const rng = new Rng(7);
    const a = Float32Array.from(rng.normalArray(rows * lda));
    const b = Float32Array.from(rng.normalArray(k * ldb));
    for (const targets of [1, 2, 3, 4]) {
      const p: TermsProduct = {
        lda,
        ldb,
        ldc,
        transA: false,
        transB: false,
        k,
        aOff: [0, k, 2 * k],
        aSign: [1, -1, 1],
        bOff: [0, cols, 2 * cols],
        bSign: [-1, 1, 1],
        cOff: [0, cols, 2 * cols, 3 * cols].slice(0, targets),
        cSign: [1, -1, -1, 1].slice(0, targets),
        cAdd: [false, true, false, true].slice(0, targets),
      };
      // Stale memory where a target is first written (NaN would survive a missed overwrite).
      const out = new Float32Array(rows * ldc).fill(Number.NaN);
      const before = Float32Array.from(rng.normalArray(rows * ldc));
      for (let t = 0; t < targets; t++) {
        if (!p.cAdd[t]) continue;
        for (let i = 0; i < rows; i++)
          for (let j = 0; j < cols; j++) out[p.cOff[t] + i * ldc + j] = before[p.cOff[t] + i * ldc + j];
      }
      const start = Float32Array.from(out);
      gemmTerms(p, { a, b, out }, rows, cols, 0, 0, 0);
      let worst = 0;
      for (let t = 0; t < targets; t++) {
        for (let i = 0; i < rows; i++) {
          for (let j = 0; j < cols; j++) {
            let sum = 0;
            for (let q = 0; q < k; q++) {
              let x = 0;
              for (let u = 0; u < 3; u++) x += p.aSign[u] * a[p.aOff[u] + i * lda + q];
              let y = 0;
              for (let v = 0; v < 3; v++) y += p.bSign[v] * b[p.bOff[v] + q * ldb + j];
              sum += x * y;
            }
            const o = p.cOff[t] + i * ldc + j;
            const want = (p.cAdd[t] ? start[o] : 0) + p.cSign[t] * sum;
            worst = Math.max(worst, Math.abs(out[o] - want) / (1 + Math.abs(want)));
          }
        }
      }
      expect(worst, `${targets} target(s)`).toBeLessThan(1e-5);
      // Nothing outside the targets' blocks is touched.
      for (let i = 0; i < rows; i++)
        for (let j = targets * cols; j < ldc; j++) expect(Number.isNaN(out[i * ldc + j])).toBe(true);
    }
  });
});
