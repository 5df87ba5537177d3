// The elementwise rows of the primitive table: one entry per unary and per binary op, from which
// the forward cases (every edge shape, large and tiny inputs) and the gradient cases are generated.
import type { BinaryKind, Node, UnaryKind } from '../../graph/node.js';
import { BINARY_KINDS, UNARY_KINDS } from '../../graph/node.js';
import type { Shape } from '../../graph/shape.js';
import { finiteMask } from '../../nn/graphs.js';
import { add, div, greater, greaterEqual, maximum, mul, sub } from '../../ops/binary.js';
import { constant } from '../../ops/leaves.js';
import { abs, exp, log, neg, relu, sigmoid, sign, sqrt, stopGradient } from '../../ops/unary.js';
import { where } from '../../ops/where.js';
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
} from '../gens.js';
import { BROADCAST_PAIRS, EDGE_SHAPES } from '../shapes.js';
import { MAGNITUDE_TOLERANCE } from '../tolerances.js';
import type { PrimitiveSpec } from './spec.js';

export interface UnaryEntry {
  readonly op: (x: Node) => Node;
  /** Inputs inside the op's domain, with zeros where it has a kink. */
  readonly domain: Gen;
  /** ~1e4 inputs, or the widest range the op takes in float32. Default normal(1e4). */
  readonly large?: Gen;
  /** ~1e-6 inputs: normal float32 numbers that a flush or an epsilon would damage. Default normal(1e-6). */
  readonly tiny?: Gen;
  /** Inputs of the gradient cases when they must differ from `domain` (away from a pole). */
  readonly gradDomain?: Gen;
  /** The VJP is "no gradient": no gradient case. */
  readonly noGrad?: true;
}

/** One entry per unary op: a new one needs only its line here. */
export const UNARY_TABLE: Readonly<Record<UnaryKind, UnaryEntry>> = {
  neg: { op: neg, domain: normal() },
  exp: { op: exp, domain: normal(2), large: uniform(-80, 80) }, // e^88.7 overflows float32
  // log and sqrt: gradients away from 0, where 1/x and 1/(2 sqrt x) blow up.
  log: {
    op: log,
    domain: uniform(0.01, 10),
    large: uniform(1e3, 1e4),
    tiny: uniform(1e-7, 1e-5),
    gradDomain: uniform(0.1, 10),
  },
  sqrt: {
    op: sqrt,
    domain: uniform(0, 10),
    large: uniform(0, 1e8),
    tiny: uniform(1e-7, 1e-5),
    gradDomain: uniform(0.1, 10),
  },
  abs: { op: abs, domain: withZeros() },
  sign: { op: sign, domain: withZeros(), noGrad: true },
  relu: { op: relu, domain: withZeros() },
  // large: saturated, e^-x overflows; the result must stay 0 or 1, not NaN.
  sigmoid: { op: sigmoid, domain: normal(4) },
  // The identity forward; its gradient is none (the pseudo-derivative cases check it composed).
  stopGradient: { op: stopGradient, domain: withZeros(), noGrad: true },
};

export type Scale = 'normal' | 'large' | 'tiny';
const SCALE: Readonly<Record<Scale, number>> = { normal: 1, large: 1e4, tiny: 1e-6 };

export interface BinaryEntry {
  readonly op: (a: Node, b: Node) => Node;
  /** How case names write it: `add 7x13 + 13`. */
  readonly symbol: string;
  /** Operand generators at a scale s (1, 1e4, 1e-6). Default: normal(s) for both. */
  readonly gens?: (s: number) => [Gen, Gen];
  /** The VJP is "no gradient": no gradient case. */
  readonly noGrad?: true;
}

// Comparisons get small integers at scale 1 so that ties (a == b) occur.
const tieGens = (s: number): [Gen, Gen] => (s === 1 ? [ints(-2, 2), ints(-2, 2)] : [normal(s), normal(s)]);

/** One entry per binary op. */
export const BINARY_TABLE: Readonly<Record<BinaryKind, BinaryEntry>> = {
  add: { op: add, symbol: '+' },
  sub: { op: sub, symbol: '-' },
  mul: { op: mul, symbol: '*' },
  div: { op: div, symbol: '/', gens: (s) => [normal(s), awayFromZero(0.5 * s, 2 * s)] },
  maximum: { op: maximum, symbol: 'vs' },
  greater: { op: greater, symbol: '>', gens: tieGens, noGrad: true },
  greaterEqual: { op: greaterEqual, symbol: '>=', gens: tieGens, noGrad: true },
};

/** Operand generators of a binary op at a scale. */
export function binaryGens(kind: BinaryKind, scale: Scale = 'normal'): [Gen, Gen] {
  const s = SCALE[scale];
  return BINARY_TABLE[kind].gens?.(s) ?? [normal(s), normal(s)];
}

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

export function unarySpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of UNARY_KINDS) {
    const e = UNARY_TABLE[kind];
    const build = ([x]: Node[]): Node => e.op(x);
    for (const shape of UNARY_SHAPES) {
      out.push({ name: `${kind} ${shapeName(shape)}`, inputs: [{ name: 'x', shape, gen: e.domain }], build });
    }
    const variants = [
      ['large', e.large ?? normal(1e4)],
      ['tiny', e.tiny ?? normal(1e-6)],
    ] as const;
    for (const [variant, gen] of variants) {
      out.push({
        name: `${kind} 7x13 ${variant}`,
        inputs: [{ name: 'x', shape: [7, 13], gen }],
        build,
        tol: MAGNITUDE_TOLERANCE,
      });
    }
  }
  return out;
}

export const binaryName = (kind: BinaryKind, a: string, b: string): string =>
  `${kind} ${a} ${BINARY_TABLE[kind].symbol} ${b}`;

/** A binary op on two inputs a, b of the given shapes. */
export function binarySpec(
  kind: BinaryKind,
  sa: Shape,
  sb: Shape,
  gens: [Gen, Gen],
  name?: string,
): PrimitiveSpec {
  const f = BINARY_TABLE[kind].op;
  return {
    name: name ?? binaryName(kind, shapeName(sa), shapeName(sb)),
    inputs: [
      { name: 'a', shape: sa, gen: gens[0] },
      { name: 'b', shape: sb, gen: gens[1] },
    ],
    build: ([a, b]) => f(a, b),
  };
}

export function binarySpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of BINARY_KINDS) {
    for (const [sa, sb] of BINARY_SHAPES) out.push(binarySpec(kind, sa, sb, binaryGens(kind)));
    for (const scale of ['large', 'tiny'] as const) {
      const name = `${binaryName(kind, '7x13', '13')} ${scale}`;
      out.push({
        ...binarySpec(kind, [7, 13], [13], binaryGens(kind, scale), name),
        tol: MAGNITUDE_TOLERANCE,
      });
    }
  }
  // Constant operands (the loss and optimizer graphs are full of them).
  const x713 = [{ name: 'x', shape: [7, 13], gen: normal() }];
  const row = constant(
    Array.from({ length: 13 }, (_, i) => i / 7 - 1),
    [13],
  );
  out.push(
    { name: 'sub const 1 - 7x13', inputs: x713, build: ([x]) => sub(1, x) },
    { name: 'div 7x13 / const 3', inputs: x713, build: ([x]) => div(x, 3) },
    { name: 'add 7x13 + const 13', inputs: x713, build: ([x]) => add(x, row) },
  );
  return out;
}

/** where(c, a, b); the condition gets no gradient. */
export function whereSpec(c: Shape, a: Shape, b: Shape, cond: Gen = mask, name?: string): PrimitiveSpec {
  return {
    name: `where ${name ?? `${shapeName(c)} ? ${shapeName(a)} : ${shapeName(b)}`}`,
    inputs: [
      { name: 'c', shape: c, gen: cond, diff: false },
      { name: 'a', shape: a, gen: normal() },
      { name: 'b', shape: b, gen: normal() },
    ],
    build: ([c, a, b]) => where(c, a, b),
  };
}

export function whereSpecs(): PrimitiveSpec[] {
  return [
    whereSpec([7, 13], [7, 13], [7, 13]),
    whereSpec([7, 1], [13], []),
    whereSpec([3, 1, 5], [4, 5], [3, 4, 1]),
    whereSpec([1, 1], [1, 1], [1, 1]),
    whereSpec([33, 65], [33, 65], [65]),
    whereSpec([7, 13], [7, 13], [7, 13], nonBinaryCond, '7x13 non-0/1 condition'),
  ];
}

/**
 * What the training step's guard relies on (`finiteMask` and `where` in core's buildTrainStep): x - x
 * is NaN for NaN and ±Inf, NaN compares false, and `where` picks a value without touching the
 * other branch (cond * a + (1 - cond) * b would turn an unselected NaN into NaN).
 */
export function nonFiniteSpecs(): PrimitiveSpec[] {
  return [
    {
      name: 'isFinite guard 7x13 (NaN, ±Inf)',
      inputs: [{ name: 'x', shape: [7, 13], gen: nonFinite }],
      build: ([x]) => finiteMask(x),
    },
    {
      name: 'where 7x13 unselected NaN/±Inf',
      inputs: [
        { name: 'x', shape: [7, 13], gen: nonFinite },
        { name: 'b', shape: [7, 13], gen: normal() },
      ],
      build: ([x, b]) => where(finiteMask(x), x, b),
    },
  ];
}
