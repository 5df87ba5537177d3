import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  broadcastTo,
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
} from '../src/index.js';
import { evaluateGraph } from '../src/testing/index.js';

// The reference's values, computed by hand: what "correct" means for every backend.
/** Evaluates f on inputs with the given values, on the float64 reference. */
function evalOp(f: (...xs: Node[]) => Node, args: [Shape, number[]][]): { shape: Shape; values: number[] } {
  const xs = args.map(([s], i) => input(`x${i}`, s));
  const y = f(...xs);
  const out = evaluateGraph(
    Graph.from({ outputs: { y } }),
    Object.fromEntries(args.map(([, v], i) => [`x${i}`, v])),
  );
  return { shape: y.shape, values: [...out.get(y)!] };
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
