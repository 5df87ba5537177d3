import { buildTrainStep, initParams, Rng, rowWeights, SEED_CONFIG } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { sharedPoolForTests } from '../src/backend.js';
import { cpuAllocationCount, createCpuBackend } from '../src/index.js';
import { compileElementwise, ELEMENTWISE, type LoopSpec } from '../src/kernels/elementwise.js';
import { matmul } from '../src/kernels/matmul.js';
import { MATMUL, matmulAuto } from '../src/kernels/matmul-auto.js';
import { compileSum, SUM } from '../src/kernels/sum.js';
import { ThreadPool } from '../src/parallel/pool.js';
import { CTRL } from '../src/parallel/protocol.js';
import { worthSplittingMatmul, worthSplittingSum } from '../src/split.js';
import { firstDifference } from './compare.js';

function sharedChunks(): number {
  return sharedPoolForTests()?.arena.chunks.length ?? 0;
}

/** An elementwise loop (float32 math) split over the pool by its outer loop. */
function planLoop(
  pool: ThreadPool,
  spec: LoopSpec,
  outShape: number[],
  shapes: number[][],
  outs: Float32Array[],
  operands: Float32Array[],
) {
  const { outer } = compileElementwise(spec, outShape, shapes, true);
  return pool.plan(ELEMENTWISE, { spec, outShape, shapes, fastMath: true, outs, operands }, outer);
}

/** A single expression stored to a single output. */
const single = (expr: string): LoopSpec => ({ exprs: [expr], storeOf: [0] });

describe('matmul on worker threads', () => {
  it('compiling and disposing threaded executables reuses shared memory instead of growing it', () => {
    const step = buildTrainStep(SEED_CONFIG, 256, { kind: 'adam', lr: 1e-3 });
    const backend = createCpuBackend({ threads: 2 });
    const params = initParams(SEED_CONFIG, new Rng(0));
    const chunksAfter: number[] = [];
    for (let i = 0; i < 6; i++) {
      const exe = backend.compileSync(step.graph, { state: step.initialState(params) });
      exe.dispose();
      chunksAfter.push(sharedChunks());
    }
    expect(chunksAfter[0]).toBeGreaterThan(0);
    expect(chunksAfter[5]).toBe(chunksAfter[0]);
    // Everything went back, the masked pair's float64 partials included.
    const { arena } = sharedPoolForTests()!;
    expect(arena.freeBytes()).toBe(arena.chunks.reduce((s, c) => s + c.byteLength, 0));
  });

  it('each of the five seed products split over 2 threads equals the single-threaded kernel bit for bit', () => {
    const pool = ThreadPool.create(2)!;
    const rng = new Rng(3);
    const shared = (n: number) => pool.alloc(n, 'float32') as Float32Array;
    for (const [m, k, n, ta, tb] of [
      [256, 784, 64, false, false],
      [256, 64, 784, false, false],
      [64, 256, 784, true, false],
      [256, 784, 64, false, true],
      [784, 256, 64, true, false],
    ] as const) {
      const a = shared(m * k);
      const b = shared(k * n);
      a.set(rng.normalArray(m * k));
      b.set(rng.normalArray(k * n));
      const out = shared(m * n).fill(Number.NaN);
      const ref = new Float32Array(m * n);
      expect(worthSplittingMatmul([m, n, k], 2)).toBe(true);
      const { run, release } = pool.plan(MATMUL, { a, b, out, m, n, k, transA: ta, transB: tb }, m);
      run();
      run(); // a task runs again with new data just as well
      matmul({ a, b, out: ref, m, n, k, transA: ta, transB: tb });
      expect(firstDifference(out, ref)).toBe(-1);
      release();
      for (const v of [a, b, out]) pool.free(v);
    }
    expect(pool.arena.freeBytes()).toBe(pool.arena.chunks.reduce((s, c) => s + c.byteLength, 0)); // all returned
    pool.close();
  });

  it('the sparse kernels split over 2 threads equal one thread bit for bit (zeros of a; of a and b)', () => {
    const pool = ThreadPool.create(2)!;
    const rng = new Rng(5);
    const sparse = (len: number, density: number) => {
      const v = pool.alloc(len, 'float32') as Float32Array;
      for (let i = 0; i < len; i++) v[i] = rng.uniform() < density ? rng.normal() : 0;
      return v;
    };
    // [m, k, n, transA, density of a, density of b]: x·W_enc, h·W_dec, hᵀ·g, xᵀ·δ (both sparse).
    for (const [m, k, n, ta, da, db] of [
      [256, 784, 64, false, 0.19, 1],
      [256, 64, 784, false, 0.25, 1],
      [64, 256, 784, true, 0.25, 1],
      [784, 256, 64, true, 0.19, 0.25],
    ] as const) {
      const a = sparse(m * k, da);
      const b = sparse(k * n, db);
      const out = (pool.alloc(m * n, 'float32') as Float32Array).fill(Number.NaN);
      const ref = new Float32Array(m * n);
      const { run, release } = pool.plan(MATMUL, { a, b, out, m, n, k, transA: ta, transB: false }, m);
      run();
      matmulAuto({ a, b, out: ref, m, n, k, transA: ta, transB: false });
      expect(firstDifference(out, ref)).toBe(-1);
      release();
      for (const v of [a, b, out]) pool.free(v);
    }
    pool.close();
  });

  it('elementwise loops split over 2 threads equal one thread bit for bit, for every broadcast pattern', () => {
    const pool = ThreadPool.create(2)!;
    const rng = new Rng(4);
    const cases: [LoopSpec, number[], number[][]][] = [
      [single('(1 / (1 + EXP(-(v0 + v1))))'), [256, 784], [[256, 784], [784]]], // sigmoid(z + row bias)
      [
        single('((v0 * v1) * (v2 * ((1) - v2)))'),
        [256, 784],
        [
          [256, 1],
          [256, 784],
          [256, 784],
        ],
      ], // column broadcast
      [single('(v0 - v1)'), [65537], [[65537], []]], // odd length, scalar operand
      [single('(v0 * v1)'), [3, 40000], [[3, 1], [40000]]], // outer product: outer loop shorter than the split
      // A loop group: the decoder's output, its error and squared error in one pass, t1 not stored.
      [
        { exprs: ['(1 / (1 + EXP(-(v0 + v1))))', '(t0 - v2)', '(t1 * t1)'], storeOf: [2, 0] },
        [256, 784],
        [[256, 784], [784], [256, 784]],
      ],
    ];
    for (const [spec, outShape, shapes] of cases) {
      const size = outShape.reduce((a, b) => a * b, 1);
      const ops = shapes.map((s) => {
        const v = pool.alloc(
          s.reduce((a, b) => a * b, 1),
          'float32',
        ) as Float32Array;
        v.set(rng.normalArray(v.length));
        return v;
      });
      const outs = spec.storeOf.map(() => (pool.alloc(size, 'float32') as Float32Array).fill(Number.NaN));
      const { run, release } = planLoop(pool, spec, outShape, shapes, outs, ops);
      run();
      const refs = spec.storeOf.map(() => new Float32Array(size));
      const { fn, outer } = compileElementwise(spec, outShape, shapes, true);
      fn(0, outer, ...refs, ...ops);
      for (let i = 0; i < outs.length; i++) expect(firstDifference(outs[i], refs[i])).toBe(-1);
      for (const r of refs) expect(r.some(Number.isNaN)).toBe(false);
      release();
      for (const v of [...outs, ...ops]) pool.free(v);
    }
    pool.close();
  });

  it('row and column sums split over 2 threads equal one thread bit for bit', () => {
    const pool = ThreadPool.create(2)!;
    const rng = new Rng(6);
    const cases: [number[], number[], number][] = [
      [[256, 784], [0], 784], // column sums (a bias gradient)
      [[256, 784], [1], 256], // row sums (per-example squared error)
      [[3, 40001], [0], 40001],
      [[40001, 1, 3], [0, 1], 3], // size-1 axes merge away
    ];
    for (const [shape, axes, outs] of cases) {
      const size = shape.reduce((a, b) => a * b, 1);
      const x = pool.alloc(size, 'float32') as Float32Array;
      x.set(rng.normalArray(size));
      const out = (pool.alloc(outs, 'float32') as Float32Array).fill(Number.NaN);
      expect(worthSplittingSum(size, shape, axes, 2)).toBe(true);
      const planned = pool.plan(SUM, { shape, axes, x, out }, outs);
      planned.run();
      planned.run(); // column sums start from zero every run
      const ref = new Float32Array(outs);
      compileSum(shape, axes)(x, ref);
      expect(firstDifference(out, ref)).toBe(-1);
      planned.release();
      for (const v of [x, out]) pool.free(v);
    }
    expect(worthSplittingSum(1 << 20, [4, 1 << 12, 64], [1], 2)).toBe(false); // a middle axis: not by outputs
    pool.close();
  });

  it('a wake-up with no new task (a late notify, or the pool waking workers before a run) does not run the last task again', async () => {
    // The main thread can be preempted between bumping GEN and notifying, so a dispatch's notify
    // may reach a worker that already ran that task (it saw GEN move while spinning) and went back
    // to sleep. Such a late notify is sent here by hand, to a worker known to be asleep.
    const pool = ThreadPool.create(2)!;
    const n = 1 << 14;
    const buf = pool.alloc(n, 'float32') as Float32Array;
    const { run, release } = planLoop(pool, single('(v0 + 1)'), [n], [[n]], [buf], [buf]);
    run();
    expect(buf.every((v) => v === 1)).toBe(true);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await sleep(100); // the worker spins for ~0.1 ms, then waits on GEN
    const { workers } = pool as unknown as { workers: { ctrl: Int32Array }[] };
    Atomics.notify(workers[0].ctrl, CTRL.GEN);
    await sleep(100);
    expect(buf.every((v) => v === 1)).toBe(true); // the worker's half ran once, not twice
    // The pool's own wake-up before a run is the same notify: it must not run a task either.
    pool.wake();
    await sleep(100);
    expect(buf.every((v) => v === 1)).toBe(true);
    pool.wake();
    run(); // dispatched while the worker spins after the wake
    expect(buf.every((v) => v === 2)).toBe(true);
    release();
    pool.free(buf);
    pool.close();
  });

  it("a worker's failure is thrown by the run that met it, with the worker's message, and the pool works on", () => {
    const pool = ThreadPool.create(2)!;
    const n = 1 << 14;
    const x = pool.alloc(n, 'float32') as Float32Array;
    const out = pool.alloc(n, 'float32') as Float32Array;
    // Fails only in the worker's half: the calling thread computes i < n/2 and never reaches the call.
    const failing = planLoop(pool, single(`(i < ${n / 2} ? v0 : notDefined(v0))`), [n], [[n]], [out], [x]);
    expect(() => failing.run()).toThrow(/pool worker failed: ReferenceError: notDefined is not defined/);
    // A failure in the calling thread's half is thrown only once the worker's half is done.
    const mainFails = planLoop(
      pool,
      single(`(i < ${n / 2} ? notDefined(v0) : v0 + 3)`),
      [n],
      [[n]],
      [out],
      [x],
    );
    expect(() => mainFails.run()).toThrow(/notDefined is not defined/);
    expect(out.subarray(n / 2).every((v) => v === 3)).toBe(true);
    const ok = planLoop(pool, single('(v0 + 2)'), [n], [[n]], [out], [x]);
    ok.run();
    expect(out.every((v) => v === 2)).toBe(true);
    for (const t of [failing, mainFails, ok]) t.release();
    pool.close();
  });

  it('a threaded training step of the seed model matches one thread exactly and allocates nothing per step', async () => {
    const step = buildTrainStep(SEED_CONFIG, 256, { kind: 'adam', lr: 1e-3 });
    const params = initParams(SEED_CONFIG, new Rng(0));
    const rng = new Rng(9);
    const x = new Float32Array(256 * 784);
    for (let i = 0; i < x.length; i++) if (rng.uniform() < 0.2) x[i] = rng.uniform();
    const w = rowWeights(new Float32Array(256), 256);
    const one = createCpuBackend({ threads: 1 }).compileSync(step.graph, {
      state: step.initialState(params),
    });
    const two = createCpuBackend({ threads: 2 }).compileSync(step.graph, {
      state: step.initialState(params),
    });
    two.runSync({ x, w });
    one.runSync({ x, w });
    const before = cpuAllocationCount();
    for (let i = 0; i < 3; i++) {
      const a = one.runSync({ x, w }).loss[0];
      const b = two.runSync({ x, w }).loss[0];
      expect(Number.isFinite(a)).toBe(true);
      expect(b).toBe(a);
    }
    expect(cpuAllocationCount()).toBe(before);
    expect(firstDifference(await two.readState('W_enc'), await one.readState('W_enc'))).toBe(-1);
    two.dispose();
  });
});
