import { add, constant, Graph, grad, input, matmul, mean, mul, Rng, relu, square, sub } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { cpuAllocationCount, createCpuBackend } from '../src/index.js';

/**
 * A two-layer MLP (2 -> 16 ReLU -> 1) with MSE loss, as one graph: parameters are state, the
 * plain gradient-descent update is the graph's `updates`, so one run is one training step.
 */
function mlpStep(batch: number, lr: number) {
  const x = input('x', [batch, 2]);
  const y = input('y', [batch, 1]);
  const w1 = input('w1', [2, 16]);
  const b1 = input('b1', [16]);
  const w2 = input('w2', [16, 1]);
  const b2 = input('b2', [1]);
  const h = relu(add(matmul(x, w1), b1));
  const pred = add(matmul(h, w2), b2);
  const loss = mean(square(sub(pred, y)));
  const params = [w1, b1, w2, b2];
  const grads = grad(loss, params);
  const updates = Object.fromEntries(
    params.map((p, i) => [p.op.kind === 'input' ? p.op.name : '', sub(p, mul(grads[i], constant(lr)))]),
  );
  return Graph.from({ outputs: { loss }, updates });
}

function toyProblem(n: number, rng: Rng) {
  const x = rng.uniformArray(n * 2, -1, 1);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) y[i] = x[2 * i] * x[2 * i] + 0.5 * x[2 * i + 1];
  return { x, y };
}

function initialState(rng: Rng) {
  return {
    w1: rng.normalArray(32, 0, Math.sqrt(2 / 2)),
    b1: new Float32Array(16),
    w2: rng.normalArray(16, 0, Math.sqrt(1 / 16)),
    b2: new Float32Array(1),
  };
}

describe('training on the CPU backend', () => {
  it('a two-layer MLP trained by gradient descent cuts its loss at least 10x', async () => {
    const rng = new Rng(1);
    const { x, y } = toyProblem(128, rng);
    const exe = await createCpuBackend().compile(mlpStep(128, 0.1), { state: initialState(rng) });
    const first = (await exe.run({ x, y })).loss[0];
    let last = first;
    for (let i = 0; i < 2000; i++) last = (await exe.run({ x, y })).loss[0];
    expect(first).toBeGreaterThan(0.05);
    expect(last).toBeLessThan(first / 10);
    // The parameters really moved on the backend and can be read back.
    const w1 = await exe.readState('w1');
    expect(w1.length).toBe(32);
  });

  it('a compiled training step allocates no array after its first run, and reuses its outputs', async () => {
    const rng = new Rng(2);
    const { x, y } = toyProblem(64, rng);
    const exe = createCpuBackend().compileSync(mlpStep(64, 0.05), { state: initialState(rng) });
    const out1 = exe.runSync({ x, y });
    const before = cpuAllocationCount();
    let out = out1;
    for (let i = 0; i < 50; i++) out = exe.runSync({ x, y });
    expect(cpuAllocationCount()).toBe(before);
    expect(out.loss).toBe(out1.loss); // same buffer: outputs are reused, not reallocated
    // The counter does count: reading state copies.
    await exe.readState('w1');
    expect(cpuAllocationCount()).toBe(before + 1);
  });

  it('buffers are recycled by liveness: fewer temporaries than nodes', () => {
    const g = mlpStep(32, 0.1);
    const before = cpuAllocationCount();
    createCpuBackend().compileSync(g, { state: initialState(new Rng(3)) });
    const buffers = cpuAllocationCount() - before;
    expect(buffers).toBeLessThan(g.nodes.length);
  });

  it('state, feeds and errors: missing feed, unknown feed, wrong length, wrong array type', async () => {
    const rng = new Rng(4);
    const exe = createCpuBackend().compileSync(mlpStep(8, 0.1), { state: initialState(rng) });
    const x = new Float32Array(16);
    const y = new Float32Array(8);
    expect(() => exe.runSync({ x })).toThrow(/missing feed "y" \[8,1\]/);
    expect(() => exe.runSync({ x, y, w1: new Float32Array(32) })).toThrow(
      /unexpected feed "w1" \(it is state/,
    );
    expect(() => exe.runSync({ x: new Float32Array(3), y })).toThrow(
      /feed "x" has 3 values, input \[8,2\] needs 16/,
    );
    expect(() => exe.runSync({ x: new Float64Array(16) as unknown as Float32Array, y })).toThrow(
      /Float64Array/,
    );
    expect(() => createCpuBackend().compileSync(mlpStep(8, 0.1))).toThrow(
      /state input "w1" is updated by the graph but has no initial value/,
    );
    exe.writeState('b2', Float32Array.of(5));
    expect((await exe.readState('b2'))[0]).toBe(5);
    expect(() => exe.writeState('x', x)).toThrow(/"x" is not state/);
  });

  it('float32 and the float64 reference agree on a training step', async () => {
    const { createReferenceBackend } = await import('../src/index.js');
    const rng = new Rng(5);
    const { x, y } = toyProblem(32, rng);
    const st = initialState(rng);
    const g = mlpStep(32, 0.1);
    const a = createCpuBackend().compileSync(g, { state: st });
    const st64 = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, Float64Array.from(v)]));
    const b = createReferenceBackend().compileSync(g, { state: st64 });
    for (let i = 0; i < 5; i++) {
      const la = a.runSync({ x, y }).loss[0];
      const lb = b.runSync({ x: Float64Array.from(x), y: Float64Array.from(y) }).loss[0];
      expect(Math.abs(la - lb)).toBeLessThan(1e-6 + 1e-5 * Math.abs(lb));
    }
  });
});
