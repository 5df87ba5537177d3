import { describe, expect, it } from 'vitest';
import { compileSum, compileSumRange } from '../src/kernels/sum.js';

describe('column sums', () => {
  // 1 + 2^-24 · 4096 ones: a float32 running sum stays at 1 (each 2^-24 rounds away), a float64 one does not.
  const m = 4097;
  const n = 11; // one block of eight columns and a tail of three
  const x = new Float32Array(m * n).fill(2 ** -24);
  for (let j = 0; j < n; j++) x[j] = 1 + j;

  it('sum in float64 and round once, for every column including the tail', () => {
    const out = new Float32Array(n);
    compileSum([m, n], [0])(x, out);
    for (let j = 0; j < n; j++) expect(out[j]).toBe(Math.fround(1 + j + 4096 * 2 ** -24));
    expect(out[0]).not.toBe(1); // what accumulating in the float32 output gave
  });

  it('a range of columns writes those columns only, with the same values', () => {
    const whole = new Float32Array(n);
    compileSum([m, n], [0])(x, whole);
    const k = compileSumRange([m, n], [0])!;
    expect(k.outputs).toBe(n);
    const part = new Float32Array(n).fill(-1);
    k.fn(3, 10, x, part);
    expect([...part.subarray(0, 3), part[10]]).toEqual([-1, -1, -1, -1]);
    expect(part.subarray(3, 10)).toEqual(whole.subarray(3, 10));
  });
});
