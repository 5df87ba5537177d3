import {
  abs,
  add,
  broadcastTo,
  constant,
  div,
  exp,
  Graph,
  greater,
  greaterEqual,
  input,
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
  ShapeError,
  sigmoid,
  sign,
  sqrt,
  sub,
  sum,
  transpose,
  where,
} from '@saekit/core';
import { BROADCAST_PAIRS, EDGE_SHAPES, MATMUL_MODES, matmulShapes } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { gradCheck, randn, run64 } from './helpers.js';

/** Evaluates f on constant-free inputs with the given values, on the float64 reference. */
function evalOp(f: (...xs: Node[]) => Node, args: [Shape, number[]][]): { shape: Shape; values: number[] } {
  const xs = args.map(([s], i) => input(`x${i}`, s));
  const y = f(...xs);
  const out = run64(
    Graph.from({ outputs: { y } }),
    Object.fromEntries(args.map(([, v], i) => [`x${i}`, Float64Array.from(v)])),
  );
  return { shape: y.shape, values: [...out.y] };
}

function close(actual: number[], expected: number[], tol = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    if (Number.isNaN(expected[i])) expect(a).toBeNaN();
    else expect(Math.abs(a - expected[i]), `index ${i}: ${a} vs ${expected[i]}`).toBeLessThanOrEqual(tol);
  });
}

const x4: [Shape, number[]] = [[4], [-2, -0.5, 0.5, 3]];

describe('unary forward (hand-computed)', () => {
  const cases: [string, (x: Node) => Node, [Shape, number[]], number[]][] = [
    ['neg', neg, x4, [2, 0.5, -0.5, -3]],
    ['exp', exp, [[3], [0, 1, -1]], [1, Math.E, 0.36787944117144233]],
    ['log', log, [[4], [1, Math.E, 0.5, 10]], [0, 1, -Math.LN2, Math.LN10]],
    ['sqrt', sqrt, [[4], [0, 1, 4, 2.25]], [0, 1, 2, 1.5]],
    ['abs', abs, x4, [2, 0.5, 0.5, 3]],
    ['sign', sign, [[4], [-2, 0, 0.5, 3]], [-1, 0, 1, 1]],
    ['relu', relu, x4, [0, 0, 0.5, 3]],
    ['sigmoid', sigmoid, [[3], [0, 2, -2]], [0.5, 0.8807970779778823, 0.11920292202211755]],
  ];
  for (const [name, f, arg, want] of cases) {
    it(name, () => close(evalOp(f, [arg]).values, want, 1e-12));
  }
  it('relu and abs keep NaN (a NaN never turns into a finite value)', () => {
    close(evalOp(relu, [[[2], [Number.NaN, -1]]]).values, [Number.NaN, 0]);
    close(evalOp(sigmoid, [[[1], [Number.NaN]]]).values, [Number.NaN]);
  });
});

describe('binary forward with broadcasting (hand-computed)', () => {
  const a: [Shape, number[]] = [
    [2, 3],
    [1, 2, 3, 4, 5, 6],
  ];
  const row: [Shape, number[]] = [[3], [10, 20, 30]];
  const col: [Shape, number[]] = [
    [2, 1],
    [2, 4],
  ];
  it('add, row broadcast', () => close(evalOp(add, [a, row]).values, [11, 22, 33, 14, 25, 36]));
  it('sub, broadcast on the left', () => close(evalOp(sub, [row, a]).values, [9, 18, 27, 6, 15, 24]));
  it('mul, column broadcast', () => close(evalOp(mul, [a, col]).values, [2, 4, 6, 16, 20, 24]));
  it('div, column broadcast', () => close(evalOp(div, [a, col]).values, [0.5, 1, 1.5, 1, 1.25, 1.5]));
  it('maximum, both sides broadcast', () => {
    const r = evalOp(maximum, [
      col,
      [
        [1, 3],
        [1, 3, 5],
      ],
    ]);
    expect(r.shape).toEqual([2, 3]);
    close(r.values, [2, 3, 5, 4, 4, 5]);
  });
  it('greater / greaterEqual give 1 or 0', () => {
    close(
      evalOp(greater, [
        [[3], [1, 2, 3]],
        [[], [2]],
      ]).values,
      [0, 0, 1],
    );
    close(
      evalOp(greaterEqual, [
        [[3], [1, 2, 3]],
        [[], [2]],
      ]).values,
      [0, 1, 1],
    );
  });
  it('scalar operands', () => close(evalOp((x) => add(mul(x, 2), 1), [[[3], [1, 2, 3]]]).values, [3, 5, 7]));
});

describe('where, matmul, reductions and shape ops (hand-computed)', () => {
  it('where broadcasts cond, a and b', () => {
    const r = evalOp(
      (c, a, b) => where(c, a, b),
      [
        [
          [2, 1],
          [1, 0],
        ],
        [[3], [1, 2, 3]],
        [[], [9]],
      ],
    );
    close(r.values, [1, 2, 3, 9, 9, 9]);
  });
  const A: [Shape, number[]] = [
    [2, 3],
    [1, 2, 3, 4, 5, 6],
  ];
  const B: [Shape, number[]] = [
    [3, 2],
    [7, 8, 9, 10, 11, 12],
  ];
  it('matmul a·b', () => close(evalOp((a, b) => matmul(a, b), [A, B]).values, [58, 64, 139, 154]));
  it('matmul aᵀ·b', () => {
    // aᵀ is [3,2]·... use a = Aᵀ stored as [3,2]: values of A transposed
    const At: [Shape, number[]] = [
      [3, 2],
      [1, 4, 2, 5, 3, 6],
    ];
    close(evalOp((a, b) => matmul(a, b, { transA: true }), [At, B]).values, [58, 64, 139, 154]);
  });
  it('matmul a·bᵀ', () => {
    const Bt: [Shape, number[]] = [
      [2, 3],
      [7, 9, 11, 8, 10, 12],
    ];
    close(evalOp((a, b) => matmul(a, b, { transB: true }), [A, Bt]).values, [58, 64, 139, 154]);
  });
  it('matmul aᵀ·bᵀ', () => {
    const At: [Shape, number[]] = [
      [3, 2],
      [1, 4, 2, 5, 3, 6],
    ];
    const Bt: [Shape, number[]] = [
      [2, 3],
      [7, 9, 11, 8, 10, 12],
    ];
    close(
      evalOp((a, b) => matmul(a, b, { transA: true, transB: true }), [At, Bt]).values,
      [58, 64, 139, 154],
    );
  });
  const T: [Shape, number[]] = [
    [2, 3, 2],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
  ];
  it('sum over all, leading, trailing, middle and split axes', () => {
    close(evalOp((x) => sum(x), [T]).values, [78]);
    close(evalOp((x) => sum(x, [0]), [T]).values, [8, 10, 12, 14, 16, 18]);
    close(evalOp((x) => sum(x, [2]), [T]).values, [3, 7, 11, 15, 19, 23]);
    close(evalOp((x) => sum(x, [1]), [T]).values, [9, 12, 27, 30]);
    const r = evalOp((x) => sum(x, [0, 2], true), [T]);
    expect(r.shape).toEqual([1, 3, 1]);
    close(r.values, [18, 26, 34]);
    close(evalOp((x) => sum(x, [-1]), [T]).values, [3, 7, 11, 15, 19, 23]);
  });
  it('reshape keeps the order; -1 is inferred', () => {
    const r = evalOp((x) => reshape(x, [3, -1]), [T]);
    expect(r.shape).toEqual([3, 4]);
    close(r.values, T[1]);
  });
  it('transpose 2-D and 3-D', () => {
    close(evalOp((x) => transpose(x), [A]).values, [1, 4, 2, 5, 3, 6]);
    const r = evalOp((x) => transpose(x, [2, 0, 1]), [T]);
    expect(r.shape).toEqual([2, 2, 3]);
    close(r.values, [1, 3, 5, 7, 9, 11, 2, 4, 6, 8, 10, 12]);
  });
  it('broadcastTo', () =>
    close(
      evalOp(
        (x) => broadcastTo(x, [2, 3]),
        [
          [
            [2, 1],
            [5, 6],
          ],
        ],
      ).values,
      [5, 5, 5, 6, 6, 6],
    ));
  it('kthLargest per row', () => {
    const r = evalOp(
      (x) => kthLargest(x, 2),
      [
        [
          [2, 4],
          [3, 9, 1, 5, -1, -7, 4, 2],
        ],
      ],
    );
    expect(r.shape).toEqual([2, 1]);
    close(r.values, [5, 2]);
  });
});

describe('VJPs against central finite differences in float64', () => {
  const rng = new Rng(7);
  const pos = (s: Shape) => randn(rng, s, 0.3, 1.5); // away from 0 for log, sqrt, div
  const away = (s: Shape) => {
    // values with |x| >= 0.2: no kink of relu / abs / sign within eps
    const v = randn(rng, s);
    for (let i = 0; i < v.length; i++) v[i] = Math.sign(v[i] || 1) * (0.2 + Math.abs(v[i]));
    return v;
  };
  const unary: [string, (x: Node) => Node, (s: Shape) => Float64Array][] = [
    ['neg', neg, away],
    ['exp', exp, away],
    ['log', log, pos],
    ['sqrt', sqrt, pos],
    ['abs', abs, away],
    ['sign', sign, away],
    ['relu', relu, away],
    ['sigmoid', sigmoid, away],
  ];
  for (const [name, f, gen] of unary) {
    it(`${name} on ${EDGE_SHAPES.map((s) => `[${s}]`).join(' ')}`, () => {
      for (const s of EDGE_SHAPES) expect(gradCheck(f, [gen(s)], [s])).toBeLessThan(1e-6);
    });
  }
  const binary: [string, (a: Node, b: Node) => Node, (s: Shape) => Float64Array][] = [
    ['add', add, away],
    ['sub', sub, away],
    ['mul', mul, away],
    ['div', div, pos],
    ['maximum', maximum, away],
    ['greater', greater, away],
    ['greaterEqual', greaterEqual, away],
  ];
  for (const [name, f, gen] of binary) {
    it(`${name} with broadcasting on either side`, () => {
      for (const [sa, sb] of BROADCAST_PAIRS) {
        const a = gen(sa);
        let b = gen(sb);
        if (name === 'maximum') b = b.map((v) => v + 0.05); // keep ties out of reach of eps
        expect(gradCheck(f, [a, b], [sa, sb]), `[${sa}] ${name} [${sb}]`).toBeLessThan(1e-6);
      }
    });
  }
  it('where (gradient to a and b, none to the condition)', () => {
    const cond = Float64Array.from({ length: 13 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    for (const [sa, sb] of [
      [[7, 13], [13]],
      [[13], []],
      [
        [1, 13],
        [7, 1],
      ],
    ] as [Shape, Shape][]) {
      const f = (c: Node, a: Node, b: Node) => where(c, a, b);
      expect(gradCheck(f, [cond.slice(), away(sa), away(sb)], [[13], sa, sb])).toBeLessThan(1e-6);
    }
  });
  it('matmul in all four transpose modes, odd sizes', () => {
    for (const [ta, tb] of MATMUL_MODES) {
      const [sa, sb] = matmulShapes(7, 13, 5, ta, tb);
      const f = (a: Node, b: Node) => matmul(a, b, { transA: ta, transB: tb });
      expect(gradCheck(f, [away(sa), away(sb)], [sa, sb]), `transA=${ta} transB=${tb}`).toBeLessThan(1e-6);
    }
    expect(
      gradCheck(
        (a, b) => matmul(a, b),
        [away([1, 1]), away([1, 3])],
        [
          [1, 1],
          [1, 3],
        ],
      ),
    ).toBeLessThan(1e-6);
  });
  it('sum over each axis pattern, with and without keepDims', () => {
    const s: Shape = [3, 1, 4, 5];
    for (const axes of [[0], [1], [3], [0, 2], [1, 2, 3], [0, 1, 2, 3]]) {
      for (const keep of [false, true]) {
        expect(
          gradCheck((x) => sum(x, axes, keep), [away(s)], [s]),
          `axes ${axes} keep ${keep}`,
        ).toBeLessThan(1e-6);
      }
    }
  });
  it('reshape, transpose, broadcastTo', () => {
    expect(gradCheck((x) => reshape(x, [13, 7]), [away([7, 13])], [[7, 13]])).toBeLessThan(1e-6);
    expect(gradCheck((x) => transpose(x, [1, 2, 0]), [away([2, 3, 4])], [[2, 3, 4]])).toBeLessThan(1e-6);
    expect(gradCheck((x) => broadcastTo(x, [7, 4, 13]), [away([4, 1])], [[4, 1]])).toBeLessThan(1e-6);
    expect(gradCheck((x) => broadcastTo(x, [3, 5]), [away([])], [[]])).toBeLessThan(1e-6);
  });
  it('kthLargest passes no gradient, and a TopK mask built on it differentiates through where', () => {
    const topk = (x: Node) => mul(x, greaterEqual(x, kthLargest(x, 3)));
    expect(gradCheck(topk, [away([4, 9])], [[4, 9]])).toBeLessThan(1e-6);
  });
  it('a composite (sigmoid of an affine map, squared error) checks out too', () => {
    const f = (x: Node, w: Node, b: Node) => mul(sub(sigmoid(add(matmul(x, w), b)), 0.5), 2);
    expect(gradCheck(f, [away([7, 13]), away([13, 5]), away([5])], [[7, 13], [13, 5], [5]])).toBeLessThan(
      1e-6,
    );
  });
});

describe('shape errors at graph-build time name the op and the shapes', () => {
  const a = input('a', [2, 3]);
  const cases: [string, () => unknown, RegExp][] = [
    ['add', () => add(a, input('b', [4])), /add: shapes \[2,3\] and \[4\] do not broadcast/],
    ['sub', () => sub(input('b', [3, 2]), a), /sub: shapes \[3,2\] and \[2,3\] do not broadcast/],
    ['mul', () => mul(a, input('b', [5, 3])), /mul: shapes \[2,3\] and \[5,3\]/],
    ['div', () => div(a, input('b', [2])), /div: shapes \[2,3\] and \[2\]/],
    ['maximum', () => maximum(a, input('b', [1, 4])), /maximum: shapes \[2,3\] and \[1,4\]/],
    ['greater', () => greater(a, input('b', [3, 3])), /greater: shapes/],
    ['greaterEqual', () => greaterEqual(a, input('b', [7])), /greaterEqual: shapes/],
    ['where', () => where(input('c', [4]), a, 0), /where: shapes \[4\] and \[2,3\] and \[\]/],
    [
      'matmul',
      () => matmul(a, input('b', [4, 5])),
      /matmul: inner dimensions differ: a \[2,3\] gives k=3, bᵀ?.*\[4,5\] gives k=4/,
    ],
    [
      'matmul rank',
      () => matmul(input('v', [3]), a),
      /matmul: both operands must be 2-D, got a \[3\] and b \[2,3\]/,
    ],
    ['sum', () => sum(a, [2]), /sum: axis 2 is out of range for rank 2/],
    ['reshape', () => reshape(a, [4, 2]), /reshape: \[2,3\] has 6 values, \[4,2\] holds 8/],
    [
      'transpose',
      () => transpose(a, [0, 0]),
      /transpose: perm \[0,0\] is not a permutation of the axes of \[2,3\]/,
    ],
    ['broadcastTo', () => broadcastTo(a, [3, 3]), /broadcastTo: .*\[2,3\].*\[3,3\]/],
    ['kthLargest', () => kthLargest(a, 4), /kthLargest: k=4 must be an integer in \[1, 3\] for \[2,3\]/],
    ['input', () => input('x', [2, -1]), /input "x": invalid shape \[2,-1\]/],
    ['const', () => constant([1, 2, 3], [2, 2]), /const: 3 values do not fill shape \[2,2\]/],
  ];
  for (const [name, f, re] of cases) {
    it(name, () => {
      expect(f).toThrow(ShapeError);
      expect(f).toThrow(re);
    });
  }
  it('unary ops take any shape; their only shape error is an invalid input', () => {
    expect(relu(input('z', [0, 3])).shape).toEqual([0, 3]);
  });
});
