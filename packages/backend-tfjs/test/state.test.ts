import {
  add,
  Graph,
  input,
  matmul,
  mul,
  Node,
  relu,
  reshape,
  sub,
  sum,
  UnsupportedOpError,
} from '@saekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TfjsBackend } from '../src/index.js';
import { cpu, ENGINES, tfjsBackend } from './helpers.js';

/** y = relu(x · w) + b; the update moves w by lr · sum(y) and keeps b; swap exchanges a and b. */
function stateful() {
  const x = input('x', [2, 3]);
  const w = input('w', [3, 2]);
  const b = input('b', [2]);
  const y = add(relu(matmul(x, w)), b);
  return Graph.from({ outputs: { y, w }, updates: { w: sub(w, mul(sum(y), 0.01)) } });
}
const W = Float32Array.of(1, -2, 3, 0.5, -1, 2);
const B = Float32Array.of(0.25, -0.5);
const X = Float32Array.of(1, 2, 3, -1, 0.5, 2);

for (const engine of ENGINES) {
  describe(`state and feeds on tfjs-${engine}`, () => {
    let be: TfjsBackend;
    beforeAll(async () => {
      be = await tfjsBackend(engine);
    });

    it('names itself and lists its feeds', async () => {
      expect(be.name).toBe(`tfjs-${engine}`);
      expect(be.specVersion).toBe(1);
      if (engine === 'wasm') expect(be.info.simd).toBe(true);
      const exe = await be.compile(stateful(), { state: { w: W, b: B } });
      expect(exe.feedNames).toEqual(['x']);
      exe.dispose();
    });

    it('writeState / readState round-trip, with copies both ways', async () => {
      const exe = await be.compile(stateful(), { state: { w: W, b: B } });
      const v = Float32Array.of(6, 5, 4, 3, 2, 1);
      exe.writeState('w', v);
      v.fill(0); // the backend kept a copy
      const got = await exe.readState('w');
      expect([...got]).toEqual([6, 5, 4, 3, 2, 1]);
      got.fill(9); // a copy too
      expect([...(await exe.readState('w'))]).toEqual([6, 5, 4, 3, 2, 1]);
      // Initial state is copied as well; state that is never updated stays as given.
      expect([...(await exe.readState('b'))]).toEqual([...B]);
      expect(() => exe.writeState('w', new Float32Array(5))).toThrow(/"w" has 6 values, got 5/);
      expect(() => exe.writeState('x', new Float32Array(6))).toThrow(/not state/);
      await expect(exe.readState('nope')).rejects.toThrow(/not state/);
      exe.dispose();
    });

    it('runs like the CPU backend: outputs, updates applied after the run, written state used', async () => {
      const a = await be.compile(stateful(), { state: { w: W, b: B } });
      const c = await cpu.compile(stateful(), { state: { w: W, b: B } });
      const close = (u: ArrayLike<number>, v: ArrayLike<number>) =>
        Array.from(u).every((x, j) => Math.abs(x - v[j]) < 1e-5);
      for (let i = 0; i < 4; i++) {
        if (i === 2) {
          a.writeState('b', Float32Array.of(1, 2));
          c.writeState('b', Float32Array.of(1, 2));
        }
        const before = await a.readState('w');
        const [ra, rc] = [await a.run({ x: X }), await c.run({ x: X })];
        expect(close(ra.y, rc.y), `y run ${i}`).toBe(true);
        expect(close(await a.readState('w'), await c.readState('w')), `w after run ${i}`).toBe(true);
        // An output that is a state input gives the value this run computed with (before the
        // update), as the ONNX backend does. (The CPU backend hands out its state buffer, which
        // the update has overwritten by then: that edge differs, so it is not compared.)
        expect([...ra.w]).toEqual([...before]);
        expect(close(ra.w, await a.readState('w'))).toBe(false);
      }
      a.dispose();
    });

    it('an output that is state is handed out as a copy', async () => {
      const exe = await be.compile(stateful(), { state: { w: W, b: B } });
      const r = await exe.run({ x: X });
      r.w.fill(123);
      expect([...(await exe.run({ x: X })).w].some((v) => v === 123)).toBe(false);
      exe.dispose();
    });

    it('an update taken from a feed owns a copy (the caller reuses its array)', async () => {
      const s = input('s', [2, 2]);
      const f = input('f', [4]);
      const g = Graph.from({ outputs: { s }, updates: { s: reshape(f, [2, 2]) } });
      const exe = await be.compile(g, { state: { s: new Float32Array(4) } });
      const feed = Float32Array.of(1, 2, 3, 4);
      const out = await exe.run({ f: feed });
      expect([...out.s]).toEqual([0, 0, 0, 0]);
      feed.fill(-1);
      expect([...(await exe.readState('s'))]).toEqual([1, 2, 3, 4]);
      exe.dispose();
    });

    it('all updates read the old state (a swap)', async () => {
      const a = input('a', [2]);
      const b = input('b', [2]);
      const g = Graph.from({ outputs: { sum: add(a, b) }, updates: { a: b, b: a } });
      const before = tf.memory().numTensors;
      const exe = await be.compile(g, { state: { a: Float32Array.of(1, 2), b: Float32Array.of(3, 4) } });
      await exe.run({});
      expect([...(await exe.readState('a'))]).toEqual([3, 4]);
      expect([...(await exe.readState('b'))]).toEqual([1, 2]);
      await exe.run({});
      expect([...(await exe.readState('a'))]).toEqual([1, 2]);
      exe.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('feeding a state name, a missing feed, a wrong length or a wrong type errors', async () => {
      const exe = await be.compile(stateful(), { state: { w: W, b: B } });
      await expect(exe.run({ x: X, w: W })).rejects.toThrow(/unexpected feed "w" \(it is state/);
      await expect(exe.run({})).rejects.toThrow(/missing feed "x"/);
      await expect(exe.run({ x: new Float32Array(5) })).rejects.toThrow(/"x" has 5 values/);
      await expect(exe.run({ x: new Float64Array(6) as unknown as Float32Array })).rejects.toThrow(
        /Float64Array/,
      );
      exe.dispose();
      await expect(exe.run({ x: X })).rejects.toThrow(/disposed/);
      await expect(exe.readState('w')).rejects.toThrow(/disposed/);
    });

    it('compile checks the initial state', async () => {
      await expect(be.compile(stateful(), { state: { w: W } })).resolves.toBeDefined(); // b becomes a feed
      await expect(be.compile(stateful(), { state: { b: B } })).rejects.toThrow(
        /"w" is updated by the graph but has no initial value/,
      );
      await expect(be.compile(stateful(), { state: { w: new Float32Array(5), b: B } })).rejects.toThrow(
        /"w" has 5 values/,
      );
    });

    it('an unknown op is an UnsupportedOpError, and nothing leaks', async () => {
      const x = input('x', [3]);
      const odd = new Node({ kind: 'cosh' } as never, [x], [3]);
      const before = tf.memory().numTensors;
      const err = await be.compile(Graph.from({ outputs: { y: add(odd, 1) } })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnsupportedOpError);
      expect((err as UnsupportedOpError).op).toBe('cosh');
      expect((err as Error).message).toMatch(`backend tfjs-${engine} does not implement op "cosh"`);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('two engines in one process', () => {
  it('executables of wasm and cpu interleave, and overlapping runs give the sequential results', async () => {
    const [w, c] = await Promise.all(ENGINES.map((e) => tfjsBackend(e)));
    const ew = await w.compile(stateful(), { state: { w: W, b: B } });
    const ec = await c.compile(stateful(), { state: { w: W, b: B } });
    const ref = await cpu.compile(stateful(), { state: { w: W, b: B } });
    const want: number[][] = [];
    for (let i = 0; i < 3; i++) want.push([...(await ref.run({ x: X })).y]);
    // Not awaited one by one: each run's work starts at the call, in call order.
    const runs = [0, 1, 2].flatMap(() => [ew.run({ x: X }), ec.run({ x: X })]);
    const got = await Promise.all(runs);
    got.forEach((r, i) => {
      const wv = want[Math.floor(i / 2)];
      expect(
        [...r.y].every((v, j) => Math.abs(v - wv[j]) < 1e-5),
        `run ${i}`,
      ).toBe(true);
    });
    expect(tf.getBackend()).toBe('cpu');
    ew.dispose();
    ec.dispose();
  });
});
