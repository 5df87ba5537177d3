// The rows of the primitive table that move or reduce values: matmul in its four modes, sum,
// reshape, transpose, broadcastTo and kthLargest, at the shapes where kernels go wrong.
import type { Node } from '../../graph/node.js';
import type { Shape } from '../../graph/shape.js';
import { mul } from '../../ops/binary.js';
import { matmul } from '../../ops/matmul.js';
import { broadcastTo, reshape, sum, transpose } from '../../ops/shape.js';
import { kthLargest } from '../../ops/topk.js';
import { type Gen, ints, normal, shapeName } from '../gens.js';
import { MATMUL_MODES, matmulShapes, PERMUTATIONS_3D } from '../shapes.js';
import { MAGNITUDE_TOLERANCE } from '../tolerances.js';
import type { PrimitiveSpec } from './spec.js';

export function matmulName(m: number, k: number, n: number, transA: boolean, transB: boolean): string {
  const [sa, sb] = matmulShapes(m, k, n, transA, transB);
  const mode = [transA ? 'transA' : '', transB ? 'transB' : ''].filter(Boolean).join(' ');
  return `matmul${mode ? ` ${mode}` : ''} ${shapeName(sa)}·${shapeName(sb)} → ${m}x${n}`;
}

export function matmulSpec(
  m: number,
  k: number,
  n: number,
  transA: boolean,
  transB: boolean,
  gen: Gen = normal(),
): PrimitiveSpec {
  const [sa, sb] = matmulShapes(m, k, n, transA, transB);
  return {
    name: matmulName(m, k, n, transA, transB),
    inputs: [
      { name: 'a', shape: sa, gen },
      { name: 'b', shape: sb, gen },
    ],
    build: ([a, b]) => matmul(a, b, { transA, transB }),
  };
}

export function matmulSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  const sizes: [number, number, number][] = [
    [1, 1, 1],
    [7, 13, 5],
    [1, 13, 9], // a row vector
    [9, 1, 13], // k = 1: an outer product
    [5, 7, 5], // square result, op(b) [7, 5]
    [67, 129, 33], // odd and larger than any small block
  ];
  for (const [m, k, n] of sizes) for (const [ta, tb] of MATMUL_MODES) out.push(matmulSpec(m, k, n, ta, tb));
  // Square operands: a transposition bug keeps the shapes and only changes the values.
  for (const [ta, tb] of MATMUL_MODES) {
    const s = matmulSpec(6, 6, 6, ta, tb);
    out.push({ ...s, name: `${s.name} square` });
  }
  for (const [scale, s] of [
    ['large', 1e4],
    ['tiny', 1e-6],
  ] as const) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
    ] as const) {
      const spec = matmulSpec(7, 13, 5, ta, tb, normal(s));
      out.push({ ...spec, name: `${spec.name} ${scale}`, tol: MAGNITUDE_TOLERANCE });
    }
  }
  return out;
}

/** sum over `axes` (all when undefined); `tag` marks a magnitude variant, compared relatively. */
export function sumSpec(
  shape: Shape,
  axes: number[] | undefined,
  keepDims: boolean,
  gen: Gen = normal(),
  tag = '',
): PrimitiveSpec {
  return {
    name: `sum ${shapeName(shape)} axes ${axes ? `[${axes.join(',')}]` : 'all'}${keepDims ? ' keepDims' : ''}${tag}`,
    inputs: [{ name: 'x', shape, gen }],
    build: ([x]) => sum(x, axes, keepDims),
    ...(tag ? { tol: MAGNITUDE_TOLERANCE } : {}),
  };
}

export function sumSpecs(): PrimitiveSpec[] {
  return [
    sumSpec([3, 4, 5], [0], false),
    sumSpec([3, 4, 5], [1], true),
    sumSpec([3, 4, 5], [2], false),
    sumSpec([3, 4, 5], [0, 2], false),
    sumSpec([3, 4, 5], [0, 2], true),
    sumSpec([3, 4, 5], [1, 2], false),
    sumSpec([3, 4, 5], undefined, false),
    sumSpec([3, 4, 5], undefined, true),
    sumSpec([7, 13], [0], false),
    sumSpec([7, 13], [1], true),
    sumSpec([33, 65], [0], false),
    sumSpec([33, 65], [1], true),
    sumSpec([1, 1], undefined, false),
    sumSpec([3, 1, 5], [1], false),
    sumSpec([13], [0], false),
    sumSpec([33, 65], undefined, false, normal(1e4), ' large'),
    sumSpec([33, 65], [1], false, normal(1e-6), ' tiny'),
  ];
}

/** One input x of `shape` through `build`. */
const oneInput = (name: string, shape: Shape, build: (x: Node) => Node): PrimitiveSpec => ({
  name,
  inputs: [{ name: 'x', shape, gen: normal() }],
  build: ([x]) => build(x),
});

/** transpose by `perm` (all axes reversed when omitted). */
export const transposeSpec = (shape: Shape, perm?: readonly number[]): PrimitiveSpec =>
  oneInput(`transpose ${shapeName(shape)}${perm ? ` perm [${perm.join(',')}]` : ''}`, shape, (x) =>
    transpose(x, perm),
  );

export const reshapeSpec = (from: Shape, to: Shape): PrimitiveSpec =>
  oneInput(`reshape ${shapeName(from)} → ${shapeName(to)}`, from, (x) => reshape(x, to));

export const broadcastSpec = (from: Shape, to: Shape): PrimitiveSpec =>
  oneInput(`broadcastTo ${shapeName(from)} → ${shapeName(to)}`, from, (x) => broadcastTo(x, to));

export function shapeOpSpecs(): PrimitiveSpec[] {
  return [
    ...PERMUTATIONS_3D.map((perm) => transposeSpec([3, 4, 5], perm)),
    transposeSpec([7, 13]),
    transposeSpec([33, 65]),
    transposeSpec([1, 7, 1], [2, 0, 1]),
    reshapeSpec([7, 13], [91]),
    reshapeSpec([3, 4, 5], [5, 2, 6]),
    // A reshape of a transposed tensor must see the transposed order, not the stored one.
    oneInput('reshape transpose(3x4x5, [2,0,1]) → 5x12', [3, 4, 5], (x) =>
      reshape(transpose(x, [2, 0, 1]), [5, 12]),
    ),
    {
      name: 'reshape 7x13 → 13x7 then * 13x7',
      inputs: [
        { name: 'x', shape: [7, 13], gen: normal() },
        { name: 'y', shape: [13, 7], gen: normal() },
      ],
      build: ([x, y]) => mul(reshape(x, [13, 7]), y),
    },
    broadcastSpec([13], [7, 13]),
    broadcastSpec([7, 1], [7, 13]),
    broadcastSpec([], [3, 4, 5]),
    broadcastSpec([3, 1, 5], [3, 4, 5]),
    broadcastSpec([1, 1], [33, 65]),
    broadcastSpec([4, 1], [3, 4, 5]),
  ];
}

export function kthLargestSpecs(): PrimitiveSpec[] {
  const spec = (shape: Shape, k: number, gen: Gen = normal(), tag = ''): PrimitiveSpec => ({
    name: `kthLargest ${shapeName(shape)} k=${k}${tag}`,
    inputs: [{ name: 'x', shape, gen }],
    build: ([x]) => kthLargest(x, k),
    ...(tag === ' tiny' ? { tol: MAGNITUDE_TOLERANCE } : {}),
  });
  return [
    spec([7, 13], 3),
    spec([7, 13], 3, ints(-3, 3), ' ties'),
    spec([7, 13], 1),
    spec([7, 13], 13),
    spec([9, 12], 12),
    spec([3, 1, 5], 1),
    spec([3, 1, 5], 5),
    spec([1, 1], 1),
    spec([13], 4),
    spec([33, 65], 7),
    spec([7, 13], 3, normal(1e-6), ' tiny'),
  ];
}
