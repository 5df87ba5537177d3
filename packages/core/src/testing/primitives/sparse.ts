// The rows of the primitive table for sparse TopK: topkIndices (ties, NaN-free), gathering and
// scatter-adding by index (repeated indices on purpose: they must add up), and the three sparse
// products, at shapes where an off-by-one in a row stride shows.
import type { Node } from '../../graph/node.js';
import type { Shape } from '../../graph/shape.js';
import { cooDot, cooMatmul } from '../../ops/coo.js';
import { gatherLast, scatterAddLast, topkIndices } from '../../ops/sparse.js';
import { sparseDot, sparseMatmul, sparseOuter } from '../../ops/sparse-products.js';
import { type Gen, ints, normal, shapeName } from '../gens.js';
import { MAGNITUDE_TOLERANCE } from '../tolerances.js';
import type { InputSpec, PrimitiveSpec } from './spec.js';

/** Indices into an axis of n: integers in [0, n), repeats included. Never differentiated. */
const idxInput = (shape: Shape, n: number, name = 'idx'): InputSpec => ({
  name,
  shape,
  gen: ints(0, n - 1),
  diff: false,
});

function topkSpec(shape: Shape, k: number, gen: Gen = normal(), tag = ''): PrimitiveSpec {
  return {
    name: `topkIndices ${shapeName(shape)} k=${k}${tag}`,
    inputs: [{ name: 'x', shape, gen }],
    build: ([x]) => topkIndices(x, k),
  };
}

function gatherSpec(lead: Shape, n: number, k: number): PrimitiveSpec {
  return {
    name: `gatherLast ${shapeName([...lead, n])} by ${shapeName([...lead, k])}`,
    inputs: [{ name: 'x', shape: [...lead, n], gen: normal() }, idxInput([...lead, k], n)],
    build: ([x, idx]) => gatherLast(x, idx),
  };
}

function scatterSpec(lead: Shape, k: number, n: number): PrimitiveSpec {
  return {
    name: `scatterAddLast ${shapeName([...lead, k])} into ${n}`,
    inputs: [{ name: 'v', shape: [...lead, k], gen: normal() }, idxInput([...lead, k], n)],
    build: ([v, idx]) => scatterAddLast(v, idx, n),
  };
}

type Product = 'sparseMatmul' | 'sparseDot' | 'sparseOuter';

/** One sparse product at batch b, k non-zeros of n, width d. */
export function sparseProductSpec(
  kind: Product,
  b: number,
  k: number,
  n: number,
  d: number,
  gen: Gen = normal(),
): PrimitiveSpec {
  const first: InputSpec =
    kind === 'sparseDot' ? { name: 'x', shape: [b, d], gen } : { name: 'vals', shape: [b, k], gen };
  const third: InputSpec =
    kind === 'sparseOuter' ? { name: 'x', shape: [b, d], gen } : { name: 'w', shape: [n, d], gen };
  const build = ([a, idx, c]: Node[]): Node =>
    kind === 'sparseMatmul'
      ? sparseMatmul(a, idx, c)
      : kind === 'sparseDot'
        ? sparseDot(a, idx, c)
        : sparseOuter(a, idx, c, n);
  return {
    name: `${kind} b=${b} k=${k} n=${n} d=${d}`,
    inputs: [first, idxInput([b, k], n), third],
    build,
  };
}

/**
 * A coordinate-form product on `entries` (the code's shape): cooMatmul into n rows from x [m, d], or
 * cooDot of a [n, d] against x [m, d]. Indices repeat, so entries meet at a row from both sides.
 */
export function cooSpec(
  kind: 'cooMatmul' | 'cooDot',
  entries: Shape,
  n: number,
  m: number,
  d: number,
  gen: Gen = normal(),
): PrimitiveSpec {
  const first: InputSpec =
    kind === 'cooDot' ? { name: 'a', shape: [n, d], gen } : { name: 'vals', shape: entries, gen };
  return {
    name: `${kind} ${shapeName(entries)} n=${n} m=${m} d=${d}`,
    inputs: [
      first,
      idxInput(entries, n, 'dst'),
      idxInput(entries, m, 'src'),
      { name: 'x', shape: [m, d], gen },
    ],
    build: ([a, dst, src, x]) => (kind === 'cooDot' ? cooDot(a, dst, src, x) : cooMatmul(a, dst, src, x, n)),
  };
}

/** [entries, n, m, d] of the coordinate-form rows. */
const COO_SIZES: readonly (readonly [Shape, number, number, number])[] = [
  [[1], 1, 1, 1],
  [[13, 1], 7, 5, 6],
  [[1, 40], 9, 13, 5], // BatchTopK: entries [1, K] from topkIndices over the flattened batch
  [[6, 4], 3, 17, 9], // more entries than destination rows
];

const PRODUCT_SIZES: readonly (readonly [number, number, number, number])[] = [
  [1, 1, 1, 1],
  [7, 3, 13, 5],
  [9, 4, 4, 6], // k = n: every row indexed (with repeats)
  [33, 8, 65, 17],
  [40, 1, 13, 6], // one index a row: BatchTopK's selection over the flattened batch
];

export function sparseSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [
    topkSpec([7, 13], 3),
    topkSpec([7, 13], 4, ints(-2, 2), ' ties'),
    topkSpec([7, 13], 13),
    topkSpec([3, 1, 5], 2),
    topkSpec([13], 1),
    topkSpec([33, 65], 7),
    topkSpec([7, 13], 3, normal(1e-6), ' tiny'),
    gatherSpec([7], 13, 3),
    gatherSpec([3, 2], 5, 7),
    gatherSpec([], 9, 4),
    scatterSpec([7], 3, 13),
    scatterSpec([3, 2], 7, 5),
    scatterSpec([], 4, 9),
  ];
  for (const kind of ['sparseMatmul', 'sparseDot', 'sparseOuter'] as const) {
    for (const [b, k, n, d] of PRODUCT_SIZES) out.push(sparseProductSpec(kind, b, k, n, d));
    out.push({
      ...sparseProductSpec(kind, 7, 3, 13, 5, normal(1e4)),
      name: `${kind} b=7 k=3 n=13 d=5 large`,
      tol: MAGNITUDE_TOLERANCE,
    });
  }
  for (const kind of ['cooMatmul', 'cooDot'] as const) {
    for (const [entries, n, m, d] of COO_SIZES) out.push(cooSpec(kind, entries, n, m, d));
    out.push({
      ...cooSpec(kind, [13, 1], 7, 5, 6, normal(1e4)),
      name: `${kind} 13x1 n=7 m=5 d=6 large`,
      tol: MAGNITUDE_TOLERANCE,
    });
  }
  return out;
}

/** The gradient rows: every sparse primitive that passes a gradient, and the TopK gather. */
export function sparseGradSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [gatherSpec([7], 13, 3), gatherSpec([3, 2], 5, 7), scatterSpec([7], 3, 13)];
  for (const kind of ['sparseMatmul', 'sparseDot', 'sparseOuter'] as const) {
    out.push(
      sparseProductSpec(kind, 7, 3, 13, 5),
      sparseProductSpec(kind, 9, 4, 4, 6),
      sparseProductSpec(kind, 12, 1, 5, 4),
    );
  }
  for (const kind of ['cooMatmul', 'cooDot'] as const) {
    out.push(cooSpec(kind, [13, 1], 7, 5, 6), cooSpec(kind, [1, 40], 9, 13, 5));
  }
  out.push({
    // The TopK encoder's values: the gradient reaches exactly the selected entries.
    name: 'gatherLast of topkIndices 9x12 k=3',
    inputs: [{ name: 'x', shape: [9, 12], gen: normal() }],
    build: ([x]) => gatherLast(x, topkIndices(x, 3)),
  });
  return out;
}
