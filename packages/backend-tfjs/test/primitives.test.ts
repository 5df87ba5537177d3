import {
  abs,
  add,
  broadcastTo,
  div,
  exp,
  greater,
  greaterEqual,
  kthLargest,
  log,
  matmul,
  maximum,
  mul,
  type Node,
  neg,
  Rng,
  relu,
  reshape,
  type Shape,
  sigmoid,
  sign,
  sqrt,
  sub,
  sum,
  transpose,
  where,
} from '@saekit/core';
import {
  BROADCAST_PAIRS,
  EDGE_SHAPES,
  formatComparisons,
  MATMUL_MODES,
  matmulShapes,
  PERMUTATIONS_3D,
} from '@saekit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { type Agreement, agree, ENGINES, randn, specialMismatches, TOL, tfjsBackend } from './helpers.js';

const pass = (r: Agreement) => expect(r.comparison.pass, formatComparisons([r.comparison])).toBe(true);

/** Values with |x| >= 0.2, both signs. */
function away(rng: Rng, s: Shape): Float32Array {
  const v = randn(rng, s);
  for (let i = 0; i < v.length; i++) v[i] = Math.sign(v[i] || 1) * (0.2 + Math.abs(v[i]));
  return v;
}
/** Positive values around 1.5 (log, sqrt, divisors). */
const pos = (rng: Rng, s: Shape) => randn(rng, s, 0.3, 1.5).map(Math.abs);
/** Values on a grid of 0.5 in [-2, 2]: ties are frequent (comparisons, maximum, kthLargest). */
const grid = (rng: Rng, s: Shape) =>
  randn(rng, s).map((x) => Math.max(-2, Math.min(2, Math.round(x * 2) / 2)));

/** The special values every elementwise op sees once. */
const SPECIAL = Float32Array.from([
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  0,
  -0,
  1,
  -1,
  0.5,
  -3,
  88,
  -88,
  1e-30,
  -1e-30,
  3e-8,
  1e-40,
]);

for (const engine of ENGINES) {
  describe(`tfjs-${engine} forward agrees with the CPU backend`, () => {
    let be: TfjsBackend;
    beforeAll(async () => {
      be = await tfjsBackend(engine);
    });
    const rng = new Rng(engine === 'wasm' ? 11 : 12);

    // All at the brief's tolerance (atol 1e-6, rtol 1e-5 of max|y|), no loosening: wasm computes
    // exp, log and sigmoid in float32 and the CPU backend in float64, but they stay a few ulps apart.
    const unary: [string, (x: Node) => Node, (r: Rng, s: Shape) => Float32Array][] = [
      ['neg', neg, away],
      ['exp', exp, (r, s) => randn(r, s, 2)],
      ['log', log, pos],
      ['sqrt', sqrt, pos],
      ['abs', abs, away],
      ['sign', sign, grid],
      ['relu', relu, grid],
      ['sigmoid', sigmoid, (r, s) => randn(r, s, 4)],
    ];
    for (const [name, f, gen] of unary) {
      it(`${name} on random ${EDGE_SHAPES.map((s) => `[${s}]`).join(', ')}`, async () => {
        for (const s of EDGE_SHAPES) pass(await agree(be, f, [[s, gen(rng, s)]]));
      });
      it(`${name} on NaN, ±Inf, ±0 and extremes`, async () => {
        const r = await agree(be, f, [[[SPECIAL.length], SPECIAL]]);
        expect(specialMismatches(r.actual, r.expected)).toEqual([]);
      });
    }

    const binary: [
      string,
      (a: Node, b: Node) => Node,
      (r: Rng, s: Shape) => Float32Array,
      ((r: Rng, s: Shape) => Float32Array)?,
    ][] = [
      ['add', add, away],
      ['sub', sub, away],
      ['mul', mul, away],
      ['div', div, away, pos],
      ['maximum', maximum, grid],
      ['greater', greater, grid],
      ['greaterEqual', greaterEqual, grid],
    ];
    for (const [name, f, genA, genB = genA] of binary) {
      it(`${name} with broadcasting on either side and size-1 dims`, async () => {
        for (const [sa, sb] of BROADCAST_PAIRS)
          pass(
            await agree(be, f, [
              [sa, genA(rng, sa)],
              [sb, genB(rng, sb)],
            ]),
          );
      });
      it(`${name} on every pair of NaN, ±Inf, ±0 and extremes (NaN on either side)`, async () => {
        const n = SPECIAL.length;
        const r = await agree(be, f, [
          [[n, 1], SPECIAL],
          [[1, n], SPECIAL],
        ]);
        expect(specialMismatches(r.actual, r.expected)).toEqual([]);
      });
    }

    it('where: cond non-zero (NaN included) picks a; cond, a, b all broadcast', async () => {
      const cond = Float32Array.from({ length: 13 }, (_, i) => [0, 1, 0.5, -2, Number.NaN, -0][i % 6]);
      const cases: [Shape, Float32Array, Shape, Shape][] = [
        [[13], cond, [7, 13], [13]],
        [[13], cond, [13], []],
        [[13], cond, [1, 13], [7, 1]],
        [[7, 1], cond.slice(0, 7), [1, 13], [7, 13]],
        [[], Float32Array.of(0), [7, 13], [7, 13]],
        [[], Float32Array.of(1), [7, 13], [13]],
      ];
      for (const [sc, c, sa, sb] of cases) {
        pass(
          await agree(be, (x, a, b) => where(x, a, b), [
            [sc, c],
            [sa, randn(rng, sa)],
            [sb, randn(rng, sb)],
          ]),
        );
      }
    });

    it('where keeps NaN and Inf of the picked operand', async () => {
      const c = Float32Array.of(1, 0, 1, 0);
      const a = Float32Array.of(Number.NaN, Number.NaN, Number.POSITIVE_INFINITY, 1);
      const b = Float32Array.of(2, Number.NEGATIVE_INFINITY, 3, Number.NaN);
      const r = await agree(be, (x, y, z) => where(x, y, z), [
        [[4], c],
        [[4], a],
        [[4], b],
      ]);
      expect(specialMismatches(r.actual, r.expected)).toEqual([]);
    });

    it('matmul in all four transpose modes, 7x13x5, and 1x1x3', async () => {
      const [m, k, n] = [7, 13, 5];
      for (const [transA, transB] of MATMUL_MODES) {
        const [sa, sb] = matmulShapes(m, k, n, transA, transB);
        const r = await agree(
          be,
          (a, b) => matmul(a, b, { transA, transB }),
          [
            [sa, randn(rng, sa)],
            [sb, randn(rng, sb)],
          ],
          TOL,
          `matmul transA=${transA} transB=${transB}`,
        );
        expect(r.shape).toEqual([m, n]);
        pass(r);
      }
      pass(
        await agree(be, (a, b) => matmul(a, b), [
          [[1, 1], randn(rng, [1, 1])],
          [[1, 3], randn(rng, [1, 3])],
        ]),
      );
    });

    it('matmul at a training size (256x784 by 784x64, k = 784) stays within rtol 1e-5', async () => {
      const sa: Shape = [256, 784];
      const sb: Shape = [784, 64];
      pass(
        await agree(be, (a, b) => matmul(a, b), [
          [sa, rng.uniformArray(256 * 784)],
          [sb, randn(rng, sb, 0.05)],
        ]),
      );
    });

    it('sum over several axis patterns, with and without keepDims, and of a scalar', async () => {
      const s: Shape = [3, 1, 4, 5];
      const x = randn(rng, s);
      for (const axes of [[0], [1], [3], [-1], [0, 2], [1, 3], [1, 2, 3], [0, 1, 2, 3]]) {
        for (const keep of [false, true]) {
          const r = await agree(
            be,
            (v) => sum(v, axes, keep),
            [[s, x]],
            TOL,
            `sum axes [${axes}] keep=${keep}`,
          );
          pass(r);
        }
      }
      pass(await agree(be, (v) => sum(v), [[[7, 13], randn(rng, [7, 13])]]));
      pass(await agree(be, (v) => sum(v), [[[], Float32Array.of(2.5)]]));
    });

    it('reshape', async () => {
      pass(await agree(be, (x) => reshape(x, [13, 7]), [[[7, 13], randn(rng, [7, 13])]]));
      pass(await agree(be, (x) => reshape(x, [4, -1]), [[[2, 3, 4], randn(rng, [2, 3, 4])]]));
      pass(await agree(be, (x) => reshape(x, []), [[[1, 1], randn(rng, [1, 1])]]));
    });

    it('transpose 2-D and every 3-D permutation', async () => {
      pass(await agree(be, (x) => transpose(x), [[[7, 13], randn(rng, [7, 13])]]));
      const x = randn(rng, [2, 3, 4]);
      for (const perm of PERMUTATIONS_3D) {
        const r = await agree(be, (v) => transpose(v, perm), [[[2, 3, 4], x]], TOL, `transpose [${perm}]`);
        expect(r.shape).toEqual(perm.map((a) => [2, 3, 4][a]));
        pass(r);
      }
    });

    it('broadcastTo', async () => {
      pass(await agree(be, (x) => broadcastTo(x, [7, 4, 13]), [[[4, 1], randn(rng, [4, 1])]]));
      pass(await agree(be, (x) => broadcastTo(x, [3, 5]), [[[], Float32Array.of(-1.5)]]));
      pass(await agree(be, (x) => broadcastTo(x, [7, 13]), [[[13], randn(rng, [13])]]));
      pass(await agree(be, (x) => broadcastTo(x, [2, 3, 4]), [[[3, 1], randn(rng, [3, 1])]]));
    });

    it('kthLargest for several k, with ties, in 2-D and 3-D', async () => {
      for (const k of [1, 3, 9]) {
        const r = await agree(
          be,
          (x) => kthLargest(x, k),
          [[[4, 9], grid(rng, [4, 9])]],
          TOL,
          `kthLargest k=${k}`,
        );
        expect(r.shape).toEqual([4, 1]);
        pass(r);
      }
      pass(await agree(be, (x) => kthLargest(x, 2), [[[2, 3, 7], randn(rng, [2, 3, 7])]]));
      pass(await agree(be, (x) => kthLargest(x, 5), [[[64, 100], randn(rng, [64, 100])]]));
    });

    it('kthLargest ranks NaN above +Inf, as the reference does', async () => {
      const { NaN: n } = Number;
      const inf = Number.POSITIVE_INFINITY;
      const rows = [
        [3, n, 1, 5],
        [n, n, inf, 2],
        [inf, 1, n, -inf],
        [1, 2, 3, 4],
      ];
      for (const k of [1, 2, 3, 4]) {
        const r = await agree(
          be,
          (x) => kthLargest(x, k),
          [[[4, 4], Float32Array.from(rows.flat())]],
          TOL,
          `kthLargest NaN k=${k}`,
        );
        expect(specialMismatches(r.actual, r.expected), `k=${k}`).toEqual([]);
      }
    });

    it('a TopK mask and a composite (sigmoid of an affine map) agree too', async () => {
      const topk = (x: Node) => mul(x, greaterEqual(x, kthLargest(x, 3)));
      pass(await agree(be, topk, [[[8, 16], randn(rng, [8, 16])]]));
      const f = (x: Node, w: Node, b: Node) => mul(sub(sigmoid(add(matmul(x, w), b)), 0.5), 2);
      pass(
        await agree(be, f, [
          [[7, 13], randn(rng, [7, 13])],
          [[13, 5], randn(rng, [13, 5])],
          [[5], randn(rng, [5])],
        ]),
      );
    });
  });
}
