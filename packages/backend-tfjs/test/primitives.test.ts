import { BINARY_KINDS, kthLargest, matmul, Rng, type Shape, UNARY_KINDS, where } from '@saekit/core';
import {
  BINARY_TABLE,
  createReferenceBackend,
  formatComparisons,
  primitiveTableChecks,
  UNARY_TABLE,
} from '@saekit/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { type Agreement, agree, ENGINES, randn, specialMismatches, TOL, tfjsBackend } from './helpers.js';

const pass = (r: Agreement) => expect(r.comparison.pass, formatComparisons([r.comparison])).toBe(true);
const reference = createReferenceBackend();

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
  describe(`tfjs-${engine}: core's primitive table against the float64 reference`, () => {
    let be: TfjsBackend;
    beforeAll(async () => {
      be = await tfjsBackend(engine);
    });
    // At the table's tolerance (atol 1e-6, rtol 1e-5 of max|y|), no loosening: wasm computes exp,
    // log and sigmoid in float32, but they stay a few ulps from float64.
    for (const c of primitiveTableChecks()) it(c.name, () => c.run(be, reference));
  });

  describe(`tfjs-${engine} agrees with the CPU backend on NaN, ±Inf, ±0 and extremes`, () => {
    let be: TfjsBackend;
    beforeAll(async () => {
      be = await tfjsBackend(engine);
    });
    const rng = new Rng(engine === 'wasm' ? 11 : 12);

    for (const kind of UNARY_KINDS) {
      it(kind, async () => {
        const r = await agree(be, UNARY_TABLE[kind].op, [[[SPECIAL.length], SPECIAL]]);
        expect(specialMismatches(r.actual, r.expected)).toEqual([]);
      });
    }
    for (const kind of BINARY_KINDS) {
      it(`${kind} on every pair (NaN on either side)`, async () => {
        const n = SPECIAL.length;
        const r = await agree(be, BINARY_TABLE[kind].op, [
          [[n, 1], SPECIAL],
          [[1, n], SPECIAL],
        ]);
        expect(specialMismatches(r.actual, r.expected)).toEqual([]);
      });
    }

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
  });
}
