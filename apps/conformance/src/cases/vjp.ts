import {
  type BinaryKind,
  broadcastTo,
  greaterEqual,
  kthLargest,
  maximum,
  mul,
  relu,
  reshape,
  type Shape,
  sum,
  transpose,
  UNARY_KINDS,
  where,
} from '@saekit/core';
import { BROADCAST_PAIRS, EDGE_SHAPES, MATMUL_MODES } from '@saekit/core/testing';
import { ints, mask, normal, shapeName, uniform } from '../inputs.js';
import type { ConformanceCase } from '../types.js';
import { type PrimitiveSpec, vjpCase } from './primitive-spec.js';
import { BINARY_OPS, BINARY_SYMBOL, binaryGens, matmulSpec, UNARY_DOMAIN, UNARY_OPS } from './primitives.js';

// The differentiable primitives. Not here: sign, greater, greaterEqual and kthLargest, whose
// VJP is "no gradient" (they appear inside the topk mask case, which checks exactly that).

const VJP_BINARY: readonly BinaryKind[] = ['add', 'sub', 'mul', 'div', 'maximum'];

function unaryVjps(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of UNARY_KINDS) {
    if (kind === 'sign') continue;
    // log and sqrt: away from 0, where the gradient 1/x or 1/(2 sqrt x) blows up.
    const gen = kind === 'log' || kind === 'sqrt' ? uniform(0.1, 10) : UNARY_DOMAIN[kind];
    const f = UNARY_OPS[kind];
    for (const shape of EDGE_SHAPES) {
      out.push({
        name: `${kind} ${shapeName(shape)}`,
        inputs: [{ name: 'x', shape, gen }],
        build: ([x]) => f(x),
      });
    }
  }
  return out;
}

function binaryVjps(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of VJP_BINARY) {
    const f = BINARY_OPS[kind];
    const [ga, gb] = binaryGens(kind);
    for (const [sa, sb] of BROADCAST_PAIRS) {
      out.push({
        name: `${kind} ${shapeName(sa)} ${BINARY_SYMBOL[kind]} ${shapeName(sb)}`,
        inputs: [
          { name: 'a', shape: sa, gen: ga },
          { name: 'b', shape: sb, gen: gb },
        ],
        build: ([a, b]) => f(a, b),
      });
    }
  }
  // At a tie the gradient goes to `a` (the rule is built on greaterEqual, so ties must compare equal).
  for (const [sa, sb] of [
    [
      [7, 13],
      [7, 13],
    ],
    [[7, 13], [13]],
  ] as [Shape, Shape][]) {
    out.push({
      name: `maximum ${shapeName(sa)} vs ${shapeName(sb)} ties`,
      inputs: [
        { name: 'a', shape: sa, gen: ints(-2, 2) },
        { name: 'b', shape: sb, gen: ints(-2, 2) },
      ],
      build: ([a, b]) => maximum(a, b),
    });
  }
  return out;
}

function otherVjps(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  const whereSpec = (c: Shape, a: Shape, b: Shape): PrimitiveSpec => ({
    name: `where ${shapeName(c)} ? ${shapeName(a)} : ${shapeName(b)}`,
    inputs: [
      { name: 'c', shape: c, gen: mask, diff: false },
      { name: 'a', shape: a, gen: normal() },
      { name: 'b', shape: b, gen: normal() },
    ],
    build: ([c, a, b]) => where(c, a, b),
  });
  out.push(
    whereSpec([7, 13], [7, 13], [7, 13]),
    whereSpec([7, 1], [13], []),
    whereSpec([3, 1, 5], [4, 5], [3, 4, 1]),
  );
  for (const [m, k, n] of [
    [7, 13, 5],
    [67, 129, 33],
  ]) {
    for (const [ta, tb] of MATMUL_MODES) out.push(matmulSpec(m, k, n, ta, tb));
  }
  const sumSpec = (shape: Shape, axes: number[] | undefined, keepDims: boolean): PrimitiveSpec => ({
    name: `sum ${shapeName(shape)} axes ${axes ? `[${axes.join(',')}]` : 'all'}${keepDims ? ' keepDims' : ''}`,
    inputs: [{ name: 'x', shape, gen: normal() }],
    build: ([x]) => sum(x, axes, keepDims),
  });
  out.push(
    sumSpec([3, 4, 5], [1], false),
    sumSpec([3, 4, 5], [0, 2], true),
    sumSpec([3, 4, 5], undefined, false),
    sumSpec([33, 65], [1], true),
  );
  out.push(
    {
      name: 'transpose 3x4x5 perm [2,0,1]',
      inputs: [{ name: 'x', shape: [3, 4, 5], gen: normal() }],
      build: ([x]) => transpose(x, [2, 0, 1]),
    },
    {
      name: 'transpose 7x13',
      inputs: [{ name: 'x', shape: [7, 13], gen: normal() }],
      build: ([x]) => transpose(x),
    },
    {
      name: 'reshape 3x4x5 → 12x5',
      inputs: [{ name: 'x', shape: [3, 4, 5], gen: normal() }],
      build: ([x]) => reshape(x, [12, 5]),
    },
    {
      name: 'broadcastTo 13 → 7x13',
      inputs: [{ name: 'x', shape: [13], gen: normal() }],
      build: ([x]) => broadcastTo(x, [7, 13]),
    },
    {
      name: 'broadcastTo 3x1x5 → 3x4x5',
      inputs: [{ name: 'x', shape: [3, 1, 5], gen: normal() }],
      build: ([x]) => broadcastTo(x, [3, 4, 5]),
    },
    {
      name: 'broadcastTo scalar → 4x5',
      inputs: [{ name: 'x', shape: [], gen: normal() }],
      build: ([x]) => broadcastTo(x, [4, 5]),
    },
    {
      // The topk encoder's mask: relu(x) * (x >= kthLargest(x, k)); no gradient through the mask.
      name: 'topk mask 9x12 k=3',
      inputs: [{ name: 'x', shape: [9, 12], gen: normal() }],
      build: ([x]) => mul(relu(x), greaterEqual(x, kthLargest(x, 3))),
    },
  );
  return out;
}

export function vjpSpecs(): PrimitiveSpec[] {
  return [...unaryVjps(), ...binaryVjps(), ...otherVjps()];
}

/** Every differentiable primitive's gradient against the float64 reference. */
export function vjpCases(): ConformanceCase[] {
  return vjpSpecs().map(vjpCase);
}
