import { describe, expect, it } from 'vitest';
import {
  add,
  broadcastTo,
  constant,
  div,
  greater,
  greaterEqual,
  input,
  kthLargest,
  matmul,
  maximum,
  mul,
  relu,
  reshape,
  ShapeError,
  sub,
  sum,
  transpose,
  where,
} from '../src/index.js';

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
