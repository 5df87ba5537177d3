import { gemmTerms, KC_TERMS, type TermsProduct } from './gemm-terms.js';
import type { MatmulArgs } from './matmul.js';

/*
 * Strassen's algorithm for the large dense products (a TopK SAE's encoder forward, x·W_enc): per
 * level, 7 products of half-size blocks instead of 8, so L levels do (7/8)^L of the multiply-adds.
 * The block sums are fused into packing and the products' tiles added straight into their blocks
 * of out (gemm-terms.ts): no temporaries, no extra passes. That is why this uses Strassen's own
 * form rather than Winograd's: Winograd's saves additions by reusing temporary sums, which the fused
 * form does not have; expanded into blocks, Strassen's form has fewer terms (12 on each side).
 *
 * Pieces: level L splits out into a 2^L × 2^L grid of blocks; column j of every block column
 * depends only on column j of op(b)'s block columns, so the product splits by "block columns"
 * j < n'/2^L, each running all 7^L products on its columns: threads take pieces of those as they
 * take rows of a plain product. Dimensions not divisible by 2^L are peeled: the last m − m' rows,
 * n − n' columns and k − k' terms are computed by the classical product (the same micro-kernel).
 *
 * Call sites: every dense matmul step runs MATMUL (matmul-auto.ts), either operand transposed, so
 * each takes this path where `strassenLevels` gives it levels (wide, shallow products of this
 * size) and no sparse kernel takes the product. The masked products
 * (masked-matmul.ts, masked-pair.ts) compute only the entries a mask keeps: no blocks to sum.
 *
 * Accuracy: each level adds block sums before multiplying, and each product is rounded into out, so
 * the error grows with L (tests bound it against a float64 product). Float32 only: the float64
 * reference backend keeps the classical kernel.
 */

/** When a product takes the Strassen path. */
export interface StrassenLimits {
  /** Multiply-adds m·n·k from which it pays (the pool's "large product" bar). */
  readonly minMacs: number;
  /** Smallest block side m/2^L, k/2^L and n/2^L a level may leave. */
  readonly minDim: number;
  /** Most levels. */
  readonly maxLevels: number;
  /**
   * Deepest block k/2^L: one of gemm-terms.ts's k blocks. A deeper block is summed in several, each
   * adding its tiles into every target, and those extra passes cost what Strassen saved.
   */
  readonly maxBlockK: number;
}

export const STRASSEN_LIMITS: StrassenLimits = {
  minMacs: 2 ** 30,
  minDim: 128,
  maxLevels: 2,
  maxBlockK: KC_TERMS,
};

/**
 * Levels of Strassen for a product [m,k]·[k,n] (0: the classical kernel). Only wide products
 * (m ≤ n) whose blocks are one k block deep: deeper blocks (a JumpReLU decoder's h·W_dec, k =
 * 16384) and tall products (its hᵀ·g [16384, 768]) ran as fast or faster on the classical kernel,
 * the tall ones split by block rows as well as by columns (docs/performance.md).
 */
export function strassenLevels(m: number, n: number, k: number, limits = STRASSEN_LIMITS): number {
  if (m * n * k < limits.minMacs || m > n) return 0;
  let levels = 0;
  while (levels < limits.maxLevels && Math.min(m, n, k) >> (levels + 1) >= limits.minDim) levels++;
  return k >> levels > limits.maxBlockK ? 0 : levels;
}

/** Strassen products taken on this thread (so tests can see which path ran). */
export const strassenCounter = { calls: 0 };

/** A block of the 2^L grid and its sign. */
type Term = readonly [row: number, col: number, sign: number];
/** One product: its op(a) terms, op(b) terms and out targets. */
type Product = readonly [a: readonly Term[], b: readonly Term[], c: readonly Term[]];

/**
 * Strassen's seven products of one level on 2×2 blocks ([row, col, sign]: op(a) terms, op(b) terms,
 * targets in out): M1 = (A11 + A22)(B11 + B22) → C11, C22; M2 = (A21 + A22)B11 → C21, −C22; …
 */
// biome-ignore format: a table, one product a line
const LEVEL: readonly Product[] = [
  [[[0, 0, 1], [1, 1, 1]], [[0, 0, 1], [1, 1, 1]], [[0, 0, 1], [1, 1, 1]]],
  [[[1, 0, 1], [1, 1, 1]], [[0, 0, 1]], [[1, 0, 1], [1, 1, -1]]],
  [[[0, 0, 1]], [[0, 1, 1], [1, 1, -1]], [[0, 1, 1], [1, 1, 1]]],
  [[[1, 1, 1]], [[1, 0, 1], [0, 0, -1]], [[0, 0, 1], [1, 0, 1]]],
  [[[0, 0, 1], [0, 1, 1]], [[1, 1, 1]], [[0, 0, -1], [0, 1, 1]]],
  [[[1, 0, 1], [0, 0, -1]], [[0, 0, 1], [0, 1, 1]], [[1, 1, 1]]],
  [[[0, 1, 1], [1, 1, -1]], [[1, 0, 1], [1, 1, 1]], [[0, 0, 1]]],
];

/** The 7^L products of L levels, on the 2^L grid: each level's blocks split by the next. */
function products(levels: number): Product[] {
  let list: Product[] = [[[[0, 0, 1]], [[0, 0, 1]], [[0, 0, 1]]]];
  for (let l = 0; l < levels; l++) {
    const nest = (outer: readonly Term[], inner: readonly Term[]): Term[] =>
      outer.flatMap(([r, c, s]) => inner.map(([ri, ci, si]): Term => [2 * r + ri, 2 * c + ci, s * si]));
    list = list.flatMap(([a, b, c]) =>
      LEVEL.map(([ia, ib, ic]): Product => [nest(a, ia), nest(b, ib), nest(c, ic)]),
    );
  }
  return list;
}

/** A bound Strassen product: its units (block columns, then peeled columns) and how to run a range of them. */
export interface StrassenPlan {
  readonly units: number;
  run(x: MatmulArgs, lo: number, hi: number): void;
}

/**
 * out = op(a)·op(b) by L ≥ 1 levels of Strassen, as units: block columns [0, n'/2^L), then the
 * n − n' peeled columns. Any split of the units over threads gives the same values. Units are
 * columns, not rows, so that each thread packs only its own columns of b, once per product (b's
 * blocks are the large operand; a split by rows would pack all of them on every thread).
 */
export function planStrassen(args: MatmulArgs, levels: number): StrassenPlan {
  warmUp();
  return plan(args, levels);
}

let warmed = false;

/**
 * Runs every path of gemmTerms (one or several terms and targets, either sign, overwrite or add,
 * b packed by rows or by panels, peeled rows, columns and k terms, either operand transposed) on
 * small products, once per thread, before the first real one. V8 optimizes a function for the
 * branches it has seen run; a large product reaches some of them only after its first blocks, and
 * the optimized code then deoptimizes there, again and again, until V8 stops optimizing it: the
 * scale step ran half again as slow in some processes and not others (seen with --trace-deopt).
 */
function warmUp(): void {
  if (warmed) return;
  warmed = true;
  const calls = strassenCounter.calls;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const levels of [1, 2]) {
        for (const n of [13, 17]) {
          const [m, k] = [11, 9 + levels];
          const fill = (len: number) => Float32Array.from({ length: len }, (_, i) => ((i * 7) % 5) - 2);
          const x = { a: fill(m * k), b: fill(k * n), out: new Float32Array(m * n), m, n, k, transA, transB };
          const p = plan(x, levels);
          p.run(x, 0, p.units);
        }
      }
    }
  }
  strassenCounter.calls = calls; // the counter tells tests what real products took this path
}

function plan(args: MatmulArgs, levels: number): StrassenPlan {
  const { m, n, k, transA, transB } = args;
  const g = 2 ** levels;
  const [hm, hn, hk] = [Math.floor(m / g), Math.floor(n / g), Math.floor(k / g)];
  const [m2, n2, k2] = [hm * g, hn * g, hk * g];
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  // Offset of op(x)[row, col] in x, for x with row length ld.
  const at = (row: number, col: number, ld: number, trans: boolean) =>
    trans ? col * ld + row : row * ld + col;
  const base = { lda, ldb, ldc: n, transA, transB };
  const single = (aOff: number, bOff: number, cOff: number, kk: number, add: boolean): TermsProduct => ({
    ...base,
    k: kk,
    aOff: [aOff],
    aSign: [1],
    bOff: [bOff],
    bSign: [1],
    cOff: [cOff],
    cSign: [1],
    cAdd: [add],
  });
  const written = new Set<string>();
  const firstWrite = (r: number, c: number) =>
    !written.has(`${r},${c}`) && written.add(`${r},${c}`) !== undefined;
  const blocks: TermsProduct[] = products(levels).map(([ta, tb, tc]) => ({
    ...base,
    k: hk,
    aOff: ta.map(([r, c]) => at(r * hm, c * hk, lda, transA)),
    aSign: ta.map(([, , s]) => s),
    bOff: tb.map(([r, c]) => at(r * hk, c * hn, ldb, transB)),
    bSign: tb.map(([, , s]) => s),
    cOff: tc.map(([r, c]) => r * hm * n + c * hn),
    cSign: tc.map(([, , s]) => s),
    cAdd: tc.map(([r, c]) => !firstWrite(r, c)),
  }));
  // Per block column: the peeled rows (all of k), then the peeled k terms of the other rows.
  const rows = m2 < m ? single(at(m2, 0, lda, transA), 0, m2 * n, k, false) : undefined;
  const deep = k2 < k ? single(at(0, k2, lda, transA), at(k2, 0, ldb, transB), 0, k - k2, true) : undefined;
  const peeled = single(0, 0, 0, k, false);
  const bCol = transB ? ldb : 1;
  return {
    units: hn + (n - n2),
    run(x, lo, hi) {
      const top = Math.min(hi, hn);
      if (lo < top) {
        strassenCounter.calls++;
        const cols = top - lo;
        for (const p of blocks) gemmTerms(p, x, hm, cols, 0, lo * bCol, lo);
        for (let q = 0; q < g; q++) {
          const j = q * hn + lo;
          if (rows) gemmTerms(rows, x, m - m2, cols, 0, j * bCol, j);
          if (deep) gemmTerms(deep, x, m2, cols, 0, j * bCol, j);
        }
      }
      const from = Math.max(lo, hn);
      if (from < hi) {
        const j = n2 + from - hn;
        gemmTerms(peeled, x, m, hi - from, 0, j * bCol, j);
      }
    },
  };
}
