import { describe, expect, it } from 'vitest';
import {
  add,
  assertBackend,
  div,
  Graph,
  greater,
  input,
  kthLargest,
  maximum,
  mul,
  relu,
  sign,
  sub,
  where,
} from '../src/index.js';
import { createReferenceBackend, evaluateGraph } from '../src/testing/index.js';

describe('the reference as a Backend', () => {
  it('is a backend of this spec version', () => {
    expect(() => assertBackend(createReferenceBackend())).not.toThrow();
  });

  it('applies every update from the old state, after the outputs: a swap swaps', async () => {
    const a = input('a', [2]);
    const b = input('b', [2]);
    const x = input('x', [2]);
    const graph = Graph.from({ outputs: { s: add(add(a, b), x) }, updates: { a: b, b: a } });
    const exe = await createReferenceBackend().compile(graph, {
      state: { a: Float64Array.of(1, 2), b: Float64Array.of(10, 20) },
    });
    expect(exe.feedNames).toEqual(['x']);
    expect([...(await exe.run({ x: Float64Array.of(100, 200) })).s]).toEqual([111, 222]);
    expect([...(await exe.readState('a'))]).toEqual([10, 20]);
    expect([...(await exe.readState('b'))]).toEqual([1, 2]);
    (await exe.readState('a'))[0] = -1; // a copy: the state is untouched
    exe.writeState('b', Float64Array.of(5, 6));
    expect([...(await exe.run({ x: Float64Array.of(0, 0) })).s]).toEqual([15, 26]);
    expect(() => exe.writeState('x', Float64Array.of(0, 0))).toThrow(/not a state input/);
    await expect(exe.run({})).rejects.toThrow(/missing feed "x"/);
    exe.dispose();
    await expect(exe.run({ x: Float64Array.of(0, 0) })).rejects.toThrow(/after dispose/);
  });

  it('the float32 variant computes in float64 and rounds once, at the end', async () => {
    const x = input('x', [1]);
    // (x + 1e-9) - x is 1e-9 in float64; a float32 computation would give 0.
    const graph = Graph.from({ outputs: { y: sub(add(x, 1e-9), x), third: div(x, 3) } });
    const exe = await createReferenceBackend({ float32: true }).compile(graph);
    const out = await exe.run({ x: Float32Array.of(1) });
    expect(out.y).toBeInstanceOf(Float32Array);
    expect(out.y[0]).toBe(Math.fround(1 + 1e-9 - 1));
    expect(out.third[0]).toBe(Math.fround(1 / 3));
  });
});

describe('non-finite values, as PyTorch has them', () => {
  const { NaN: nan } = Number;
  const inf = Number.POSITIVE_INFINITY;
  const run = (y: ReturnType<typeof input>, feeds: Record<string, number[]>): number[] => [
    ...evaluateGraph(Graph.from({ outputs: { y } }), feeds).get(y)!,
  ];
  const x = input('x', [4]);
  const v = [nan, -inf, 0, 2];
  it('relu, sign and maximum keep NaN; a comparison with NaN is 0', () => {
    expect(run(relu(x), { x: v })).toEqual([nan, 0, 0, 2]);
    expect(run(sign(x), { x: v })).toEqual([nan, -1, 0, 1]);
    expect(run(maximum(x, 1), { x: v })).toEqual([nan, 1, 1, 2]);
    expect(run(greater(x, -1), { x: v })).toEqual([0, 0, 1, 1]);
  });
  it('where picks by non-zero (NaN included) and never mixes the branches', () => {
    const c = input('c', [4]);
    expect(run(where(c, x, mul(x, 10)), { c: [1, 0, nan, -0], x: [nan, inf, 3, 4] })).toEqual([
      nan,
      inf,
      3,
      40,
    ]);
  });
  it('kthLargest ranks NaN above +Inf', () => {
    const m = input('m', [2, 3]);
    expect(run(kthLargest(m, 1), { m: [1, nan, inf, 3, 2, 1] })).toEqual([nan, 3]);
    expect(run(kthLargest(m, 2), { m: [1, nan, inf, 3, 2, 1] })).toEqual([inf, 2]);
  });
});
