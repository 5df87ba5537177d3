// The gradient rows of the primitive table: every differentiable primitive, generated from the
// same entries as the forward rows. Not here: the ops whose VJP is "no gradient" (sign, the
// comparisons, kthLargest, topkIndices); they appear inside the topk mask case, which checks exactly that.
import { BINARY_KINDS, UNARY_KINDS } from '../../graph/node.js';
import type { Shape } from '../../graph/shape.js';
import { greaterEqual, mul } from '../../ops/binary.js';
import { kthLargest } from '../../ops/topk.js';
import { relu } from '../../ops/unary.js';
import { ints, normal, shapeName } from '../gens.js';
import { BROADCAST_PAIRS, EDGE_SHAPES, MATMUL_MODES } from '../shapes.js';
import { BINARY_TABLE, binaryGens, binarySpec, UNARY_TABLE, whereSpec } from './elementwise.js';
import { sparseGradSpecs } from './sparse.js';
import type { PrimitiveSpec } from './spec.js';
import { broadcastSpec, matmulSpec, reshapeSpec, sumSpec, transposeSpec } from './structural.js';

function unaryGradSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of UNARY_KINDS) {
    const e = UNARY_TABLE[kind];
    if (e.noGrad) continue;
    const gen = e.gradDomain ?? e.domain;
    for (const shape of EDGE_SHAPES) {
      out.push({
        name: `${kind} ${shapeName(shape)}`,
        inputs: [{ name: 'x', shape, gen }],
        build: ([x]) => e.op(x),
      });
    }
  }
  return out;
}

function binaryGradSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [];
  for (const kind of BINARY_KINDS) {
    if (BINARY_TABLE[kind].noGrad) continue;
    for (const [sa, sb] of BROADCAST_PAIRS) out.push(binarySpec(kind, sa, sb, binaryGens(kind)));
  }
  // At a tie the gradient goes to `a` (the rule is built on greaterEqual, so ties must compare equal).
  const ties: [Shape, Shape][] = [
    [
      [7, 13],
      [7, 13],
    ],
    [[7, 13], [13]],
  ];
  for (const [sa, sb] of ties) {
    const name = `maximum ${shapeName(sa)} vs ${shapeName(sb)} ties`;
    out.push(binarySpec('maximum', sa, sb, [ints(-2, 2), ints(-2, 2)], name));
  }
  return out;
}

function structuralGradSpecs(): PrimitiveSpec[] {
  const out: PrimitiveSpec[] = [
    whereSpec([7, 13], [7, 13], [7, 13]),
    whereSpec([7, 1], [13], []),
    whereSpec([3, 1, 5], [4, 5], [3, 4, 1]),
  ];
  for (const [m, k, n] of [
    [7, 13, 5],
    [67, 129, 33],
  ]) {
    for (const [ta, tb] of MATMUL_MODES) out.push(matmulSpec(m, k, n, ta, tb));
  }
  out.push(
    sumSpec([3, 4, 5], [1], false),
    sumSpec([3, 4, 5], [0, 2], true),
    sumSpec([3, 4, 5], undefined, false),
    sumSpec([33, 65], [1], true),
    transposeSpec([3, 4, 5], [2, 0, 1]),
    transposeSpec([7, 13]),
    reshapeSpec([3, 4, 5], [12, 5]),
    broadcastSpec([13], [7, 13]),
    broadcastSpec([3, 1, 5], [3, 4, 5]),
    broadcastSpec([], [4, 5]),
    {
      // The topk encoder's mask: relu(x) * (x >= kthLargest(x, k)); no gradient through the mask.
      name: 'topk mask 9x12 k=3',
      inputs: [{ name: 'x', shape: [9, 12], gen: normal() }],
      build: ([x]) => mul(relu(x), greaterEqual(x, kthLargest(x, 3))),
    },
  );
  return out;
}

/** Every differentiable primitive, for its gradient against the reference (or finite differences). */
export function vjpSpecs(): PrimitiveSpec[] {
  return [...unaryGradSpecs(), ...binaryGradSpecs(), ...structuralGradSpecs(), ...sparseGradSpecs()];
}
