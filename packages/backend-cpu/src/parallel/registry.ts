import { ELEMENTWISE } from '../kernels/elementwise.js';
import { KTH_LARGEST } from '../kernels/kth-largest.js';
import { MASKED_MATMUL } from '../kernels/masked-matmul.js';
import { MASKED_PAIR, PAIR_SUM } from '../kernels/masked-pair.js';
import { MATMUL } from '../kernels/matmul-auto.js';
import { SUM } from '../kernels/sum.js';
import type { ParallelKernel } from './kernel.js';

/** Every kernel a worker can run, by name. A kernel the pool splits must be listed here. */
export const PARALLEL_KERNELS: ReadonlyMap<string, ParallelKernel<never>> = new Map(
  [ELEMENTWISE, KTH_LARGEST, MASKED_MATMUL, MASKED_PAIR, PAIR_SUM, MATMUL, SUM].map((k) => [
    k.name,
    k as ParallelKernel<never>,
  ]),
);
