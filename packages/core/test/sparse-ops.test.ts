import { describe, expect, it } from 'vitest';
import {
  cooDot,
  cooMatmul,
  Graph,
  gatherLast,
  input,
  type Node,
  ShapeError,
  scatterAddLast,
  sparseDot,
  sparseMatmul,
  sparseOuter,
  topkIndices,
} from '../src/index.js';
import { evaluateGraph } from '../src/testing/index.js';

/** The value of `f` on named inputs, through the float64 reference. */
function run(
  f: (xs: Record<string, Node>) => Node,
  shapes: Record<string, number[]>,
  vals: Record<string, number[]>,
) {
  const xs = Object.fromEntries(Object.entries(shapes).map(([k, s]) => [k, input(k, s)]));
  const y = f(xs);
  return [...evaluateGraph(Graph.from({ outputs: { y } }), vals).get(y)!];
}

describe('sparse TopK primitives, by hand-worked examples', () => {
  it('topkIndices: descending values, ties lowest index first, NaN above +Inf', () => {
    const x = [1, 5, 5, -2, 7, 5, Number.NaN, Number.POSITIVE_INFINITY, 0, 0];
    const top = (k: number) => run(({ x }) => topkIndices(x, k), { x: [2, 5] }, { x });
    expect(top(3)).toEqual([4, 1, 2, 1, 2, 0]); // row 1: 7, then the tied 5s by index; row 2: NaN, +Inf, 5
    expect(top(5)).toEqual([4, 1, 2, 0, 3, 1, 2, 0, 3, 4]); // the tied zeros of row 2 by index
  });

  it('gatherLast picks per row; scatterAddLast adds repeated indices', () => {
    const x = [10, 11, 12, 20, 21, 22];
    expect(run(({ x, i }) => gatherLast(x, i), { x: [2, 3], i: [2, 2] }, { x, i: [2, 0, 1, 1] })).toEqual([
      12, 10, 21, 21,
    ]);
    expect(
      run(
        ({ v, i }) => scatterAddLast(v, i, 3),
        { v: [2, 2], i: [2, 2] },
        { v: [1, 2, 3, 4], i: [2, 0, 1, 1] },
      ),
    ).toEqual([2, 0, 1, 0, 7, 0]);
  });

  // W rows: r0 = [1, 0], r1 = [0, 1], r2 = [2, 3]; two batch rows, k = 2.
  const W = [1, 0, 0, 1, 2, 3];
  const idx = [2, 0, 1, 1];
  it('sparseMatmul is Σ_j vals·W[idx]; sparseDot is x·W[idx]; sparseOuter scatters vals·x into rows', () => {
    const shapes = { a: [2, 2], i: [2, 2], w: [3, 2] };
    expect(run(({ a, i, w }) => sparseMatmul(a, i, w), shapes, { a: [1, 2, 3, 4], i: idx, w: W })).toEqual([
      1 * 2 + 2 * 1,
      1 * 3 + 2 * 0,
      0,
      3 + 4,
    ]);
    expect(run(({ a, i, w }) => sparseDot(a, i, w), shapes, { a: [1, 2, 3, 4], i: idx, w: W })).toEqual([
      1 * 2 + 2 * 3,
      1,
      4,
      4,
    ]);
    const outer = run(
      ({ v, i, x }) => sparseOuter(v, i, x, 3),
      { v: [2, 2], i: [2, 2], x: [2, 2] },
      {
        v: [1, 2, 3, 4],
        i: idx,
        x: [5, 6, 7, 8],
      },
    );
    // row 0 gets 2·[5,6]; row 1 gets (3+4)·[7,8]; row 2 gets 1·[5,6].
    expect(outer).toEqual([10, 12, 49, 56, 5, 6]);
  });

  it('cooMatmul adds vals·x[src] into row dst, entry by entry; cooDot is a[dst]·x[src]', () => {
    const shapes = { v: [1, 3], d: [1, 3], s: [1, 3], x: [2, 2] };
    // Entries (dst, src): (2, 1), (0, 0), (2, 0) with values 1, 2, 3; x rows [5,6], [7,8].
    const vals = { v: [1, 2, 3], d: [2, 0, 2], s: [1, 0, 0], x: [5, 6, 7, 8] };
    expect(run(({ v, d, s, x }) => cooMatmul(v, d, s, x, 3), shapes, vals)).toEqual([
      10,
      12,
      0,
      0,
      7 + 15,
      8 + 18,
    ]);
    const a = [1, 2, 3, 4, 5, 6]; // rows [1,2], [3,4], [5,6]
    expect(
      run(
        ({ a, d, s, x }) => cooDot(a, d, s, x),
        { a: [3, 2], d: [1, 3], s: [1, 3], x: [2, 2] },
        { a, d: vals.d, s: vals.s, x: vals.x },
      ),
    ).toEqual([5 * 7 + 6 * 8, 1 * 5 + 2 * 6, 5 * 5 + 6 * 6]);
    expect(() =>
      run(({ v, d, s, x }) => cooMatmul(v, d, s, x, 3), shapes, { ...vals, s: [1, 2, 0] }),
    ).toThrow(/cooMatmul: index 2 at position 1 is not an integer in \[0, 2\)/);
  });

  it('a bad index is an error naming the op and the position, not a read past the row', () => {
    const f = (i: number[]) =>
      run(({ x, i }) => gatherLast(x, i), { x: [1, 3], i: [1, 2] }, { x: [1, 2, 3], i });
    expect(() => f([0, 3])).toThrow(/gatherLast: index 3 at position 1 is not an integer in \[0, 3\)/);
    expect(() => f([0.5, 1])).toThrow(/gatherLast: index 0.5/);
    expect(() =>
      run(
        ({ v, i, w }) => sparseMatmul(v, i, w),
        { v: [1, 1], i: [1, 1], w: [2, 2] },
        { v: [1], i: [-1], w: [1, 2, 3, 4] },
      ),
    ).toThrow(/sparseMatmul: index -1/);
  });

  it('shape rules name what does not fit, and refuse axes float32 cannot index exactly', () => {
    expect(() => topkIndices(input('x', [2, 5]), 6)).toThrow(
      /topkIndices: k=6 must be an integer in \[1, 5\]/,
    );
    expect(() => topkIndices(input('x', [1, 2 ** 24 + 1]), 1)).toThrow(ShapeError);
    expect(() => topkIndices(input('x', [1, 2 ** 24 + 1]), 1)).toThrow(/at most 2\^24/);
    expect(topkIndices(input('x', [1, 2 ** 24]), 1).shape).toEqual([1, 1]);
    expect(() => gatherLast(input('x', [2, 5]), input('i', [3, 2]))).toThrow(/same leading axes/);
    expect(() => scatterAddLast(input('v', [2, 2]), input('i', [2, 3]), 4)).toThrow(/same shape/);
    expect(() => sparseMatmul(input('v', [2, 2]), input('i', [2, 2]), input('w', [4]))).toThrow(
      /W must be \[n, d\]/,
    );
    expect(() => sparseDot(input('x', [2, 3]), input('i', [2, 2]), input('w', [4, 5]))).toThrow(
      /sparseDot: x \[2,3\]/,
    );
    expect(() => sparseOuter(input('v', [2, 2]), input('i', [2, 2]), input('x', [3, 5]), 4)).toThrow(/B=2/);
    const e = (s: number[]) => input('e', s);
    expect(() => cooMatmul(e([1, 3]), e([1, 3]), e([3, 1]), input('x', [4, 2]), 5)).toThrow(
      /cooMatmul: vals \[1,3\], dst \[1,3\] and src \[3,1\] must have one shape/,
    );
    expect(() => cooMatmul(e([3]), e([3]), e([3]), input('x', [4]), 5)).toThrow(/x must be a matrix/);
    expect(() => cooMatmul(e([3]), e([3]), e([3]), input('x', [4, 2]), 0)).toThrow(/n=0/);
    expect(cooMatmul(e([3]), e([3]), e([3]), input('x', [4, 2]), 5).shape).toEqual([5, 2]);
    expect(() => cooDot(input('a', [4, 3]), e([2]), e([2]), input('x', [4, 2]))).toThrow(/same row length/);
    expect(() => cooDot(input('a', [4, 2]), e([2]), e([3]), input('x', [4, 2]))).toThrow(
      /cooDot: dst \[2\] and src \[3\] must have one shape/,
    );
    expect(cooDot(input('a', [4, 2]), e([1, 2]), e([1, 2]), input('x', [6, 2])).shape).toEqual([1, 2]);
  });
});
