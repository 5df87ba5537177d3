import type { FloatArray } from '@saekit/core';
import type { ParallelKernel } from '../parallel/kernel.js';
import { indexAt, invertIndices } from './indices.js';
import { BLOCK, entryScratch, sumRows, sumRowsT } from './sparse-latents.js';
import { dot } from './sparse-rows.js';

/*
 * The products of a code in coordinate form (core's ops/coo.ts): entry e adds vals[e]·x[src[e]]
 * into row dst[e] of the output, or dots a[dst[e]] with x[src[e]]. cooMatmul is sparseOuter's sum
 * (sparse-latents.ts) with each entry's source row read from src: each thread owns a range of
 * output rows and finds its entries (`invertIndices`), summing them in increasing e in float64 and
 * rounding once, the same values on any number of threads.
 */

/** What both products read: the entries' dst (into n rows) and src (into x's m rows), x [m, d], out. */
interface CooOperands {
  readonly dst: FloatArray;
  readonly src: FloatArray;
  readonly x: FloatArray;
  readonly out: FloatArray;
  readonly n: number;
  readonly m: number;
  readonly d: number;
}

/** cooMatmul's operands: vals of `len` entries; out [n, d] (or [d, n] transposed). */
export interface CooMatmulArgs extends CooOperands {
  readonly vals: FloatArray;
  readonly len: number;
}

/** Each entry's source row, checked: the index lists are made per run, from this run's src. */
function sourceRows(a: CooMatmulArgs, from: Int32Array): void {
  for (let e = 0; e < a.len; e++) from[e] = indexAt('cooMatmul', a.src, e, a.m);
}

/** y [n, d] = 0, then y[dst[e], :] += vals[e] · x[src[e], :]. Units: rows of y. */
export const COO_MATMUL: ParallelKernel<CooMatmulArgs> = {
  name: 'cooMatmul',
  bind: (args) => {
    const s = entryScratch(args.len, args.n);
    const acc = new Float64Array(args.d);
    return (lo, hi) => {
      invertIndices('cooMatmul', args.dst, args.len, args.n, lo, hi, s.at, s.start, s.list);
      sourceRows(args, s.from);
      sumRows(args, s, acc, lo, hi);
    };
  },
};

/**
 * cooMatmul written transposed, y [d, n] (fold.ts: a weight gradient that leaves through a
 * transpose), as sparseOuter's transposed form writes it.
 */
export const COO_MATMUL_T: ParallelKernel<CooMatmulArgs> = {
  name: 'cooMatmulT',
  bind: (args) => {
    const s = entryScratch(args.len, args.n);
    const acc = new Float64Array(BLOCK * args.d);
    return (lo, hi) => {
      invertIndices('cooMatmul', args.dst, args.len, args.n, lo, hi, s.at, s.start, s.list);
      sourceRows(args, s.from);
      sumRowsT(args, s, acc, lo, hi);
    };
  },
};

/** cooDot's operands: a [n, d]; out has an entry each. */
export interface CooDotArgs extends CooOperands {
  readonly a: FloatArray;
}

/** y[e] = a[dst[e], :] · x[src[e], :]. Units: entries (each writes its own). */
export const COO_DOT: ParallelKernel<CooDotArgs> = {
  name: 'cooDot',
  bind: (args) => (lo, hi) => {
    const { a, dst, src, x, out, n, m, d } = args;
    for (let e = lo; e < hi; e++) {
      out[e] = dot(a, indexAt('cooDot', dst, e, n) * d, x, indexAt('cooDot', src, e, m) * d, d);
    }
  },
};

/** cooDot read from the dense product p [n, m] it equals (gather-pre.ts): y[e] = p[dst[e], src[e]]. */
export type CooGatherArgs = { readonly p: FloatArray } & Pick<CooDotArgs, 'dst' | 'src' | 'out' | 'n' | 'm'>;

/** y[e] = p[dst[e], src[e]]. Units: entries. */
export const COO_GATHER: ParallelKernel<CooGatherArgs> = {
  name: 'cooGather',
  bind: (args) => (lo, hi) => {
    const { p, dst, src, out, n, m } = args;
    for (let e = lo; e < hi; e++) out[e] = p[indexAt('cooDot', dst, e, n) * m + indexAt('cooDot', src, e, m)];
  },
};
