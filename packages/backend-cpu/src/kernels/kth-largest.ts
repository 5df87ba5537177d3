import type { FloatArray } from '@saekit/core';

export type KthLargestKernel = (x: FloatArray, out: FloatArray) => void;

/** For each row of length n, its k-th largest value. Sorts a copy of the row in a reused scratch. */
export function compileKthLargest(rows: number, n: number, k: number): KthLargestKernel {
  const scratch = new Float64Array(n);
  return (x, out) => {
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) scratch[j] = x[r * n + j];
      scratch.sort(); // ascending, NaN last, in place: no allocation
      out[r] = scratch[n - k];
    }
  };
}
