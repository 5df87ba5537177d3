import { Graph, input, mul, sub } from '@saekit/core';
import { createReferenceBackend } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend } from '../src/index.js';
import { ort } from '../src/ort.js';
import { releaseCopies } from '../src/release-copies.js';

const big = (n = 1 << 19) => new ort.Tensor('float32', new Float32Array(n), [n]);

describe('releaseCopies', () => {
  it("detaches the binding's copies and never a preallocated fetch or a small result", () => {
    const fetch = big();
    const copy = big();
    const small = new ort.Tensor('float32', new Float32Array(4), [4]);
    const freed = releaseCopies({ a: copy, b: fetch, c: small }, { a: big(), b: fetch });
    expect(freed).toBe(1 << 21);
    expect((copy.data as Float32Array).buffer.byteLength).toBe(0); // detached
    expect((fetch.data as Float32Array).length).toBe(1 << 19);
    expect((small.data as Float32Array).length).toBe(4);
  });

  it('leaves a result that views a fetch buffer (a binding that returns the fetch itself)', () => {
    const fetch = big();
    const view = new ort.Tensor('float32', (fetch.data as Float32Array).subarray(8), [(1 << 19) - 8]);
    expect(releaseCopies({ a: view }, { a: fetch })).toBe(0);
    expect((view.data as Float32Array).length).toBe((1 << 19) - 8);
  });
});

describe('a training step with large state keeps its state across runs', () => {
  it('matches the float32 reference over steps (every fetched copy released)', async () => {
    // 300k values per parameter: the merged update outputs are above the release threshold.
    const n = 300_000;
    const p = input('p', [n]);
    const q = input('q', [n]);
    const g = input('g', [n]);
    const graph = Graph.from({
      outputs: {},
      updates: { p: sub(p, mul(g, 0.5)), q: sub(q, mul(g, 0.25)) },
    });
    const init = (s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * s));
    const state = { p: init(0.1), q: init(0.2) };
    const feeds = { g: init(0.3) };
    const onnx = await createOnnxBackend().compile(graph, { state });
    const ref = await createReferenceBackend({ float32: true }).compile(graph, { state });
    for (let i = 0; i < 3; i++) await Promise.all([onnx.run(feeds), ref.run(feeds)]);
    for (const name of ['p', 'q']) expect(await onnx.readState(name)).toEqual(await ref.readState(name));
    onnx.dispose();
  });
});
