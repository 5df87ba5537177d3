import { COO_DOT, COO_GATHER, COO_MATMUL, COO_MATMUL_T } from '../kernels/coo.js';
import { ELEMENTWISE } from '../kernels/elementwise.js';
import { GATHER_LAST, SCATTER_ADD_LAST } from '../kernels/gather-scatter.js';
import { KTH_LARGEST } from '../kernels/kth-largest.js';
import { MASKED_MATMUL } from '../kernels/masked-matmul.js';
import { MASKED_PAIR, PAIR_SUM } from '../kernels/masked-pair.js';
import { MATMUL } from '../kernels/matmul-auto.js';
import { SPARSE_DOT_T, SPARSE_OUTER, SPARSE_OUTER_T } from '../kernels/sparse-latents.js';
import { SPARSE_DOT, SPARSE_MATMUL } from '../kernels/sparse-rows.js';
import { SUM } from '../kernels/sum.js';
import { TOPK_INDICES } from '../kernels/topk-indices.js';
import {
  TOPK_CANDIDATES,
  TOPK_RADIX_COLLECT,
  TOPK_RADIX_HIGH,
  TOPK_RADIX_LOW,
} from '../kernels/topk-radix.js';
import type { ParallelKernel } from './kernel.js';

/** Every kernel a worker can run, by name. A kernel the pool splits must be listed here. */
export const PARALLEL_KERNELS: ReadonlyMap<string, ParallelKernel<never>> = new Map(
  [
    ELEMENTWISE,
    KTH_LARGEST,
    MASKED_MATMUL,
    MASKED_PAIR,
    PAIR_SUM,
    MATMUL,
    SUM,
    TOPK_INDICES,
    TOPK_CANDIDATES,
    TOPK_RADIX_HIGH,
    TOPK_RADIX_LOW,
    TOPK_RADIX_COLLECT,
    GATHER_LAST,
    SCATTER_ADD_LAST,
    SPARSE_MATMUL,
    SPARSE_DOT,
    SPARSE_DOT_T,
    SPARSE_OUTER,
    SPARSE_OUTER_T,
    COO_MATMUL,
    COO_MATMUL_T,
    COO_DOT,
    COO_GATHER,
  ].map((k) => [k.name, k as ParallelKernel<never>]),
);
