import {
  abs,
  add,
  type BinaryKind,
  broadcastTo,
  constant,
  div,
  exp,
  greater,
  greaterEqual,
  finiteMask as isFiniteNode,
  kthLargest,
  log,
  matmul,
  maximum,
  mul,
  type Node,
  neg,
  relu,
  reshape,
  type Shape,
  sigmoid,
  sign,
  sqrt,
  sub,
  sum,
  transpose,
  UNARY_KINDS,
  type UnaryKind,
  where,
} from '@saekit/core';
import {
  BROADCAST_PAIRS,
  EDGE_SHAPES,
  MATMUL_MODES,
  matmulShapes,
  PERMUTATIONS_3D,
} from '@saekit/core/testing';
import {
  awayFromZero,
  type Gen,
  ints,
  mask,
  nonBinaryCond,
  nonFinite,
  normal,
  shapeName,
  uniform,
  withZeros,
} from '../inputs.js';
import { MAGNITUDE_TOLERANCE } from '../tolerances.js';
import type { ConformanceCase } from '../types.js';
import { forwardCase, type PrimitiveSpec } from './primitive-spec.js';

/** core's edge shapes, and a larger odd size (33 and 65 are one past a power of 2). */
export const UNARY_SHAPES: readonly Shape[] = [...EDGE_SHAPES, [33, 65]];

/** core's broadcasting pairs, and column and row broadcasts at the larger odd size. */
export const BINARY_SHAPES: readonly (readonly [Shape, Shape])[] = [
  ...BROADCAST_PAIRS,
  [
    [33, 65],
    [33, 1],
  ],
  [
    [1, 65],
    [33, 65],
  ],
];

/** Inputs inside each unary op's domain, with zeros where the op has a kink. */
export const UNARY_DOMAIN: Readonly<Record<UnaryKind, Gen>> = {
  neg: normal(),
  exp: normal(2),
  log: uniform(0.01, 10),
  sqrt: uniform(0, 10),
  abs: withZeros(),
  sign: withZeros(),
  relu: withZeros(),
  sigmoid: normal(4),
};

/** Large inputs (~1e4), or the widest range the op takes without overflowing float32. */
const UNARY_LARGE: Readonly<Record<UnaryKind, Gen>> = {
  neg: normal(1e4),
  exp: uniform(-80, 80), // e^88.7 overflows float32
  log: uniform(1e3, 1e4),
  sqrt: uniform(0, 1e8),
  abs: normal(1e4),
  sign: normal(1e4),
  relu: normal(1e4),
  sigmoid: normal(1e4), // saturated: e^-x overflows, the result must stay 0 or 1, not NaN
};

/** Tiny inputs (~1e-6), normal float32 numbers that a flush or an epsilon would damage. */
const UNARY_TINY: Readonly<Record<UnaryKind, Gen>> = {
  neg: normal(1e-6),
  exp: normal(1e-6),
  log: uniform(1e-7, 1e-5),
  sqrt: uniform(1e-7, 1e-5),
  abs: normal(1e-6),
  sign: normal(1e-6),
  relu: normal(1e-6),
  sigmoid: normal(1e-6),
};

export const UNARY_OPS: Readonly<Record<UnaryKind, (x: Node) => Node>> = {
  neg,
  exp,
  log,
  sqrt,
  abs,
  sign,
  relu,
  sigmoid,
};

export const BINARY_OPS: Readonly<Record<BinaryKind, (a: Node, b: Node) => Node>> = {
  add,
  sub,
  mul,
  div,
  maximum,
  greater,
  greaterEqual,
};
export const BINARY_SYMBOL: Readonly<Record<BinaryKind, string>> = {
  add: '+',
  sub: '-',
  mul: '*',
  div: '/',
  maximum: 'vs',
  greater: '>',
  greaterEqual: '>=',
};

/** Operand generators: comparisons get small integers so that ties (a == b) occur. */
export function binaryGens(kind: BinaryKind, scale: 'normal' | 'large' | 'tiny' = 'normal'): [Gen, Gen] {
  const s = scale === 'large' ? 1e4 : scale === 'tiny' ? 1e-6 : 1;
  if (kind === 'div') return [normal(s), awayFromZero(0.5 * s, 2 * s)];
  if ((kind === 'greater' || kind === 'greaterEqual') && scale === 'normal')
    return [ints(-2, 2), ints(-2, 2)];
  return [normal(s), normal(s)];
}

const unary = (kind: UnaryKind): ((xs: Node[]) => Node) => {
  const f = UNARY_OPS[kind];
  return ([x]) => f(x);
};

function unarySpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of UNARY_KINDS) {
    for (const shape of UNARY_SHAPES) {
      out.push({
        name: `${kind} ${shapeName(shape)}`,
        inputs: [{ name: 'x', shape, gen: UNARY_DOMAIN[kind] }],
        build: unary(kind),
      });
    }
    for (const [variant, gens] of [
      ['large', UNARY_LARGE],
      ['tiny', UNARY_TINY],
    ] as const) {
      out.push({
        name: `${kind} 7x13 ${variant}`,
        inputs: [{ name: 'x', shape: [7, 13], gen: gens[kind] }],
        build: unary(kind),
        tol: MAGNITUDE_TOLERANCE,
      });
    }
  }
  return out;
}

const binaryName = (kind: BinaryKind, a: string, b: string): string =>
  `${kind} ${a} ${BINARY_SYMBOL[kind]} ${b}`;

function binarySpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const [kind, f] of Object.entries(BINARY_OPS) as [BinaryKind, (a: Node, b: Node) => Node][]) {
    const [ga, gb] = binaryGens(kind);
    for (const [sa, sb] of BINARY_SHAPES) {
      out.push({
        name: binaryName(kind, shapeName(sa), shapeName(sb)),
        inputs: [
          { name: 'a', shape: sa, gen: ga },
          { name: 'b', shape: sb, gen: gb },
        ],
        build: ([a, b]) => f(a, b),
      });
    }
    for (const scale of ['large', 'tiny'] as const) {
      const [la, lb] = binaryGens(kind, scale);
      out.push({
        name: `${binaryName(kind, '7x13', '13')} ${scale}`,
        inputs: [
          { name: 'a', shape: [7, 13], gen: la },
          { name: 'b', shape: [13], gen: lb },
        ],
        build: ([a, b]) => f(a, b),
        tol: MAGNITUDE_TOLERANCE,
      });
    }
  }
  // Constant operands (the loss and optimizer graphs are full of them).
  out.push(
    {
      name: 'sub const 1 - 7x13',
      inputs: [{ name: 'x', shape: [7, 13], gen: normal() }],
      build: ([x]) => sub(1, x),
    },
    {
      name: 'div 7x13 / const 3',
      inputs: [{ name: 'x', shape: [7, 13], gen: normal() }],
      build: ([x]) => div(x, 3),
    },
    {
      name: 'add 7x13 + const 13',
      inputs: [{ name: 'x', shape: [7, 13], gen: normal() }],
      build: ([x]) =>
        add(
          x,
          constant(
            Array.from({ length: 13 }, (_, i) => i / 7 - 1),
            [13],
          ),
        ),
    },
  );
  return out;
}

function whereSpecs(): PrimitiveSpec[] {
  const spec = (name: string, c: Shape, a: Shape, b: Shape, cond: Gen = mask): PrimitiveSpec => ({
    name: `where ${name}`,
    inputs: [
      { name: 'c', shape: c, gen: cond, diff: false },
      { name: 'a', shape: a, gen: normal() },
      { name: 'b', shape: b, gen: normal() },
    ],
    build: ([c, a, b]) => where(c, a, b),
  });
  return [
    spec('7x13 ? 7x13 : 7x13', [7, 13], [7, 13], [7, 13]),
    spec('7x1 ? 13 : scalar', [7, 1], [13], []),
    spec('3x1x5 ? 4x5 : 3x4x1', [3, 1, 5], [4, 5], [3, 4, 1]),
    spec('1x1 ? 1x1 : 1x1', [1, 1], [1, 1], [1, 1]),
    spec('33x65 ? 33x65 : 65', [33, 65], [33, 65], [65]),
    spec('7x13 non-0/1 condition', [7, 13], [7, 13], [7, 13], nonBinaryCond),
  ];
}

/**
 * What the training step's guard relies on (`finiteMask` and `where` in core's buildTrainStep): x - x
 * is NaN for NaN and ±Inf, NaN compares false, and `where` picks a value without touching the
 * other branch (cond * a + (1 - cond) * b would turn an unselected NaN into NaN).
 */
function nonFiniteSpecs(): PrimitiveSpec[] {
  return [
    {
      name: 'isFinite guard 7x13 (NaN, ±Inf)',
      inputs: [{ name: 'x', shape: [7, 13], gen: nonFinite }],
      build: ([x]) => isFiniteNode(x),
    },
    {
      name: 'where 7x13 unselected NaN/±Inf',
      inputs: [
        { name: 'x', shape: [7, 13], gen: nonFinite },
        { name: 'b', shape: [7, 13], gen: normal() },
      ],
      build: ([x, b]) => {
        const ok = isFiniteNode(x);
        return where(ok, x, b);
      },
    },
  ];
}

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

function matmulSpecs(): PrimitiveSpec[] {
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

function sumSpecs(): PrimitiveSpec[] {
  const spec = (
    shape: Shape,
    axes: number[] | undefined,
    keepDims: boolean,
    gen: Gen = normal(),
    tag = '',
  ): PrimitiveSpec => ({
    name: `sum ${shapeName(shape)} axes ${axes ? `[${axes.join(',')}]` : 'all'}${keepDims ? ' keepDims' : ''}${tag}`,
    inputs: [{ name: 'x', shape, gen }],
    build: ([x]) => sum(x, axes, keepDims),
    ...(tag ? { tol: MAGNITUDE_TOLERANCE } : {}),
  });
  return [
    spec([3, 4, 5], [0], false),
    spec([3, 4, 5], [1], true),
    spec([3, 4, 5], [2], false),
    spec([3, 4, 5], [0, 2], false),
    spec([3, 4, 5], [0, 2], true),
    spec([3, 4, 5], [1, 2], false),
    spec([3, 4, 5], undefined, false),
    spec([3, 4, 5], undefined, true),
    spec([7, 13], [0], false),
    spec([7, 13], [1], true),
    spec([33, 65], [0], false),
    spec([33, 65], [1], true),
    spec([1, 1], undefined, false),
    spec([3, 1, 5], [1], false),
    spec([13], [0], false),
    spec([33, 65], undefined, false, normal(1e4), ' large'),
    spec([33, 65], [1], false, normal(1e-6), ' tiny'),
  ];
}

function shapeOpSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const perm of PERMUTATIONS_3D) {
    out.push({
      name: `transpose 3x4x5 perm [${perm.join(',')}]`,
      inputs: [{ name: 'x', shape: [3, 4, 5], gen: normal() }],
      build: ([x]) => transpose(x, perm),
    });
  }
  out.push(
    {
      name: 'transpose 7x13',
      inputs: [{ name: 'x', shape: [7, 13], gen: normal() }],
      build: ([x]) => transpose(x),
    },
    {
      name: 'transpose 33x65',
      inputs: [{ name: 'x', shape: [33, 65], gen: normal() }],
      build: ([x]) => transpose(x),
    },
    {
      name: 'transpose 1x7x1 perm [2,0,1]',
      inputs: [{ name: 'x', shape: [1, 7, 1], gen: normal() }],
      build: ([x]) => transpose(x, [2, 0, 1]),
    },
    {
      name: 'reshape 7x13 → 91',
      inputs: [{ name: 'x', shape: [7, 13], gen: normal() }],
      build: ([x]) => reshape(x, [91]),
    },
    {
      name: 'reshape 3x4x5 → 5x2x6',
      inputs: [{ name: 'x', shape: [3, 4, 5], gen: normal() }],
      build: ([x]) => reshape(x, [5, 2, 6]),
    },
    {
      // A reshape of a transposed tensor must see the transposed order, not the stored one.
      name: 'reshape transpose(3x4x5, [2,0,1]) → 5x12',
      inputs: [{ name: 'x', shape: [3, 4, 5], gen: normal() }],
      build: ([x]) => reshape(transpose(x, [2, 0, 1]), [5, 12]),
    },
    {
      name: 'reshape 7x13 → 13x7 then * 13x7',
      inputs: [
        { name: 'x', shape: [7, 13], gen: normal() },
        { name: 'y', shape: [13, 7], gen: normal() },
      ],
      build: ([x, y]) => mul(reshape(x, [13, 7]), y),
    },
  );
  const bcast = (from: Shape, to: Shape): PrimitiveSpec => ({
    name: `broadcastTo ${shapeName(from)} → ${shapeName(to)}`,
    inputs: [{ name: 'x', shape: from, gen: normal() }],
    build: ([x]) => broadcastTo(x, to),
  });
  out.push(
    bcast([13], [7, 13]),
    bcast([7, 1], [7, 13]),
    bcast([], [3, 4, 5]),
    bcast([3, 1, 5], [3, 4, 5]),
    bcast([1, 1], [33, 65]),
    bcast([4, 1], [3, 4, 5]),
  );
  return out;
}

function kthLargestSpecs(): PrimitiveSpec[] {
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

/** Every primitive's forward pass against the float64 reference. */
export function primitiveSpecs(): PrimitiveSpec[] {
  return [
    ...unarySpecs(),
    ...binarySpecs(),
    ...whereSpecs(),
    ...nonFiniteSpecs(),
    ...matmulSpecs(),
    ...sumSpecs(),
    ...shapeOpSpecs(),
    ...kthLargestSpecs(),
  ];
}

export function primitiveCases(): ConformanceCase[] {
  return primitiveSpecs().map(forwardCase);
}
