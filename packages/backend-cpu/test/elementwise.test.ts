import { Graph, greater, greaterEqual, input, relu as reluOp } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend, createReferenceBackend } from '../src/index.js';
import { relu } from '../src/kernels/elementwise.js';

// ReLU and the comparisons are compiled without a branch on the data (elementwise.ts): they must
// still give exactly what Math.max(s, 0) and `a > b ? 1 : 0` give, on every kind of value.

const SPECIAL = [
  Number.NaN,
  -0,
  0,
  1,
  -1,
  0.1,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
  1e-310,
  -1e-310,
  2 ** 1023,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  3.4028234663852886e38,
  -3.4028234663852886e38,
  1.0000000000000002,
  -2.5,
];

describe('branch-free elementwise ops', () => {
  it('relu(s) is Math.max(s, 0) bit for bit: NaN kept, −0 → +0, ±Inf, subnormals, the largest doubles', () => {
    for (const s of SPECIAL) expect(Object.is(relu(s), Math.max(s, 0)), `relu(${s})`).toBe(true);
    for (let i = 0; i < 10000; i++) {
      const s = (Math.random() - 0.5) * 10 ** (Math.random() * 600 - 300);
      expect(Object.is(relu(s), Math.max(s, 0))).toBe(true);
    }
  });

  it('compiled loops give those values on both backends, with greater and greaterEqual as 0/1 (NaN: 0)', () => {
    const n = SPECIAL.length;
    const a = input('a', [n, n]);
    const b = input('b', [n, n]);
    const g = Graph.from({ outputs: { r: reluOp(a), gt: greater(a, b), ge: greaterEqual(a, b) } });
    const av = SPECIAL.flatMap((s) => SPECIAL.map(() => s));
    const bv = SPECIAL.flatMap(() => SPECIAL);
    for (const [make, arr] of [
      [createReferenceBackend, Float64Array],
      [createCpuBackend, Float32Array],
    ] as const) {
      const exe = make({ threads: 1 }).compileSync(g);
      const x = arr.from(av);
      const y = arr.from(bv);
      const out = exe.runSync({ a: x, b: y } as never) as Record<string, ArrayLike<number>>;
      exe.dispose();
      for (let i = 0; i < n * n; i++) {
        expect(Object.is(out.r[i], arr.from([Math.max(x[i], 0)])[0]), `relu(${x[i]})`).toBe(true);
        expect(out.gt[i], `${x[i]} > ${y[i]}`).toBe(x[i] > y[i] ? 1 : 0);
        expect(out.ge[i], `${x[i]} >= ${y[i]}`).toBe(x[i] >= y[i] ? 1 : 0);
      }
    }
  });
});
