import { add, assertBackend, Graph, input, mul, OP_KINDS, sum } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, decodeModel, LOWERED_OPS, lowerGraph } from '../src/index.js';

/** A counter: state c (updated to c + x), outputs y = 2c, the state input itself, and the update node twice. */
function counter() {
  const c = input('c', [3]);
  const x = input('x', [3]);
  const next = add(c, x);
  return Graph.from({ outputs: { y: mul(c, 2), c, next, total: sum(next) }, updates: { c: next } });
}

describe('createOnnxBackend', () => {
  it('is a saekit Backend named onnx that implements every op kind', () => {
    const b = createOnnxBackend();
    assertBackend(b);
    expect(b.name).toBe('onnx');
    expect(b.opset).toBe(17);
    expect([...(b.supportedOps ?? [])].sort()).toEqual([...OP_KINDS].sort()); // every op the core graph can hold
    expect(LOWERED_OPS.size).toBe(OP_KINDS.length);
  });

  it('checks its options', () => {
    expect(() => createOnnxBackend({ opset: 16 })).toThrow(/opset 16/);
    expect(() => createOnnxBackend({ threads: 0 })).toThrow(/threads/);
    expect(() => createOnnxBackend({ graphOptimization: 'max' as 'all' })).toThrow(/graphOptimization/);
    expect(createOnnxBackend({ opset: 26, threads: 1, graphOptimization: 'disabled' }).opset).toBe(26);
  });

  it('keeps state between runs, returns outputs and the state input itself, applies updates after the run', async () => {
    const exe = await createOnnxBackend().compile(counter(), { state: { c: Float32Array.of(1, 2, 3) } });
    expect(exe.feedNames).toEqual(['x']);
    const r1 = await exe.run({ x: Float32Array.of(10, 20, 30) });
    expect([...r1.y]).toEqual([2, 4, 6]);
    expect([...r1.c]).toEqual([1, 2, 3]);
    expect([...r1.next]).toEqual([11, 22, 33]);
    expect([...r1.total]).toEqual([66]);
    const r2 = await exe.run({ x: Float32Array.of(1, 1, 1) });
    expect([...r2.y]).toEqual([22, 44, 66]);
    expect([...(await exe.readState('c'))]).toEqual([12, 23, 34]);
    exe.dispose();
  });

  it('readState copies, writeState replaces, unknown state is named', async () => {
    const exe = await createOnnxBackend().compile(counter(), { state: { c: new Float32Array(3) } });
    const s = await exe.readState('c');
    s[0] = 99;
    expect([...(await exe.readState('c'))]).toEqual([0, 0, 0]);
    exe.writeState('c', Float32Array.of(5, 6, 7));
    expect([...(await exe.run({ x: new Float32Array(3) })).y]).toEqual([10, 12, 14]);
    expect(() => exe.writeState('c', new Float32Array(2))).toThrow(/3 values, got 2/);
    expect(() => exe.writeState('x', new Float32Array(3))).toThrow(/"x" is not state/);
    await expect(exe.readState('nope')).rejects.toThrow(/"nope" is not state/);
    exe.dispose();
  });

  it('checks feeds like every backend', async () => {
    const exe = await createOnnxBackend().compile(counter(), { state: { c: new Float32Array(3) } });
    await expect(exe.run({})).rejects.toThrow(/missing feed "x"/);
    await expect(exe.run({ x: new Float32Array(2) })).rejects.toThrow(/feed "x" has 2 values/);
    await expect(exe.run({ x: new Float32Array(3), c: new Float32Array(3) })).rejects.toThrow(/it is state/);
    await expect(exe.run({ x: new Float64Array(3) as unknown as Float32Array })).rejects.toThrow(
      /Float32Array/,
    );
    exe.dispose();
    await expect(exe.run({ x: new Float32Array(3) })).rejects.toThrow(/disposed/);
  });

  it('refuses state without an initial value at compile time', async () => {
    await expect(createOnnxBackend().compile(counter())).rejects.toThrow(
      /"c" is updated by the graph but has no initial value/,
    );
  });

  it('serializes overlapping runs, so no update is lost', async () => {
    const exe = await createOnnxBackend().compile(counter(), { state: { c: new Float32Array(3) } });
    const one = Float32Array.of(1, 1, 1);
    const totals = await Promise.all(
      Array.from({ length: 10 }, () => exe.run({ x: one }).then((r) => r.total[0])),
    );
    expect(totals).toEqual([3, 6, 9, 12, 15, 18, 21, 24, 27, 30]);
    expect([...(await exe.readState('c'))]).toEqual([10, 10, 10]);
    exe.dispose();
  });

  it('exposes the lowered model: small state goes in as one input, small outputs and updates come out as one', async () => {
    const exe = await createOnnxBackend({ opset: 18 }).compile(counter(), {
      state: { c: new Float32Array(3) },
    });
    const m = decodeModel(exe.modelBytes);
    expect(m.opset_import![0].version).toBe(18);
    expect(m.graph!.input!.map((v) => v.name).sort()).toEqual(['saekit.packed_state', 'x']);
    expect(m.graph!.output!.map((v) => v.name)).toEqual(['saekit.packed_outputs']);
    exe.dispose();
    // Unpacked (lowerGraph's default), state and feeds are inputs, updates extra outputs.
    const l = lowerGraph(counter(), { opset: 18 });
    expect(l.graph.input!.map((v) => v.name).sort()).toEqual(['c', 'x']);
    expect(l.graph.output!.map((v) => v.name)).toEqual(['y', 'c_1', 'next', 'total', 'c.next']);
  });

  it('packs only small values: a large state and a large output keep their own input and output', async () => {
    const n = 5000;
    const big = input('big', [n]);
    const small = input('small', [2]);
    const x = input('x', [n]);
    const g = Graph.from({
      outputs: { s: sum(big), wide: mul(x, 2), b2: mul(small, 2) },
      updates: { big: add(big, x), small: add(small, sum(x)) },
    });
    const exe = await createOnnxBackend().compile(g, {
      state: { big: new Float32Array(n).fill(1), small: Float32Array.of(1, 2) },
    });
    const m = decodeModel(exe.modelBytes);
    expect(m.graph!.input!.map((v) => v.name).sort()).toEqual(['big', 'saekit.packed_state', 'x']);
    expect(m.graph!.output!.map((v) => v.name).sort()).toEqual(['big.next', 'saekit.packed_outputs', 'wide']);
    const xs = new Float32Array(n).fill(0.5);
    for (let step = 1; step <= 3; step++) {
      const r = await exe.run({ x: xs });
      expect([...r.s]).toEqual([n * (1 + 0.5 * (step - 1))]);
      expect([...r.b2]).toEqual([2 + n * (step - 1), 4 + n * (step - 1)]);
      expect(r.wide[0]).toBe(1);
    }
    expect([...(await exe.readState('small'))]).toEqual([1 + 3 * n * 0.5, 2 + 3 * n * 0.5]);
    exe.writeState('small', Float32Array.of(7, 8));
    expect([...(await exe.run({ x: xs })).b2]).toEqual([14, 16]);
    expect((await exe.readState('big'))[0]).toBe(3);
    exe.dispose();
    expect(() => lowerGraph(g, { pack: { state: ['x'], outputs: [] } })).toThrow(
      /"x" is not a fed input with an update/,
    );
    expect(() => lowerGraph(g, { pack: { state: [], outputs: ['nope'] } })).toThrow(
      /"nope" is not an output/,
    );
    expect(() =>
      lowerGraph(g, { pack: { state: ['small'], outputs: [] }, dynamicBatch: { inputs: ['x'] } }),
    ).toThrow(/pack and mergeUpdates do not go together with dynamicBatch/);
  });
});
