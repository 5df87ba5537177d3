import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';

/*
 * The k-th largest value of each row, as a sort of the row (ascending, NaN last, -0 before +0)
 * would give at index n - k, without sorting: a min-heap of the k largest values so far. For
 * k ≪ n almost every value fails one compare with the heap's root, so a row costs about one pass.
 * NaNs are counted apart (a sort puts them above everything); a zero result gets its sign from a
 * count of the row's +0s, since the heap's compares do not tell -0 from +0.
 */

export interface KthLargestArgs {
  readonly x: FloatArray;
  readonly out: FloatArray;
  /** Row length. */
  readonly n: number;
  readonly k: number;
}

/** Rows [lo, hi) of a k-th largest; the heap is made once per bind, so a run allocates nothing. */
export const KTH_LARGEST: ParallelKernel<KthLargestArgs> = {
  name: 'kthLargest',
  bind: (args) => {
    const heap = new Float64Array(args.k);
    return (lo, hi) => {
      const { x, out, n, k } = args;
      for (let r = lo; r < hi; r++) out[r] = kthOfRow(x, r * n, n, k, heap);
    };
  },
};

/** The k-th largest of x[off, off + n) in sort order (see above); `heap` holds at least k values. */
export function kthOfRow(x: FloatArray, off: number, n: number, k: number, heap: Float64Array): number {
  let size = 0;
  let nan = 0;
  for (let j = off; j < off + n; j++) {
    const v = x[j];
    if (Number.isNaN(v)) nan++;
    else if (size < k) siftUp(heap, size++, v);
    else if (v > heap[0]) siftDown(heap, size, v);
  }
  if (nan >= k) return Number.NaN;
  // The heap holds the min(k, n − nan) largest finite-or-infinite values; the answer is the
  // (k − nan)-th largest of them, so drop the smallest (size − k + nan).
  for (let drop = size - k + nan; drop > 0; drop--) {
    size--;
    siftDown(heap, size, heap[size]);
  }
  const v = heap[0];
  return v === 0 ? signedZero(x, off, n, k) : v;
}

/** Inserts v into the min-heap heap[0, i] (i is the new last index). */
function siftUp(heap: Float64Array, i: number, v: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (heap[parent] <= v) break;
    heap[i] = heap[parent];
    i = parent;
  }
  heap[i] = v;
}

/** Replaces the root of the min-heap heap[0, size) by v. */
function siftDown(heap: Float64Array, size: number, v: number): void {
  let i = 0;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= size) break;
    if (c + 1 < size && heap[c + 1] < heap[c]) c++;
    if (heap[c] >= v) break;
    heap[i] = heap[c];
    i = c;
  }
  heap[i] = v;
}

/** +0 or -0 for a k-th largest equal to zero: a sort puts -0s before +0s. */
function signedZero(x: FloatArray, off: number, n: number, k: number): number {
  let above = 0;
  for (let j = off; j < off + n; j++) {
    const v = x[j];
    if (v > 0 || Number.isNaN(v) || (v === 0 && 1 / v > 0)) above++;
  }
  return above >= k ? 0 : -0;
}
