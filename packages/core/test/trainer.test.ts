import { describe, expect, it } from 'vitest';
import {
  buildLossGraph,
  type Dataset,
  PARAM_NAMES,
  Rng,
  type SaeConfig,
  type SaeParams,
  TrainingDivergedError,
  train,
} from '../src/index.js';
import { createReferenceBackend, evaluateGraph } from '../src/testing/index.js';

// The trainer on the reference (float32 in and out, float64 inside), against SGD steps computed
// here from the loss graph's gradients, batch by batch in the trainer's shuffled order.
const CONFIG: SaeConfig = {
  inputDim: 3,
  hiddenDim: 2,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 0.1 },
};
const LR = 0.1;
const SEED = 9;
const backend = createReferenceBackend({ float32: true });

const rng = new Rng(1);
const START: SaeParams = {
  W_enc: rng.normalArray(6, 0, 0.5),
  b_enc: Float32Array.of(0.1, 0.2),
  W_dec: rng.normalArray(6, 0, 0.5),
  b_dec: new Float32Array(3),
};

const dataset = (name: string, n: number, x = new Rng(2).normalArray(n * 3)): Dataset => ({
  name,
  n,
  dim: 3,
  x,
});

type F64Params = Record<string, Float64Array>;

/** One SGD step on exactly these rows (their mean loss), in float64; the loss before the step. */
function sgdStep(p: F64Params, rows: Float32Array[]): { params: F64Params; loss: number } {
  const graph = buildLossGraph(CONFIG, rows.length);
  const x = rows.flatMap((r) => [...r]);
  const v = evaluateGraph(graph, { ...p, x, w: rows.map(() => 1 / rows.length) });
  const next: F64Params = {};
  for (const n of PARAM_NAMES) next[n] = p[n].map((q, i) => q - LR * v.get(graph.outputs[`grad.${n}`])![i]);
  return { params: next, loss: v.get(graph.outputs.total)![0] };
}

const rowsOf = (d: Dataset, order: Uint32Array, from: number, to: number): Float32Array[] =>
  [...order.slice(from, to)].map((i) => d.x.slice(i * 3, i * 3 + 3));

const f64 = (p: SaeParams): F64Params =>
  Object.fromEntries(PARAM_NAMES.map((n) => [n, Float64Array.from(p[n])]));

function maxDiff(a: F64Params, b: SaeParams): number {
  let d = 0;
  for (const n of PARAM_NAMES)
    for (let i = 0; i < a[n].length; i++) d = Math.max(d, Math.abs(a[n][i] - b[n][i]));
  return d;
}

/** SGD training from START with the test's seed. */
const trainOn = (tr: Dataset, epochs: number, batchSize: number) =>
  train(
    backend,
    CONFIG,
    { train: tr, test: dataset('test', 2) },
    { epochs, batchSize, seed: SEED, optimizer: { kind: 'sgd', lr: LR } },
    START,
  );

describe('train', () => {
  it('trains the last partial batch on its real rows only (row weights), and averages the epoch loss by rows', async () => {
    const tr = dataset('five', 5);
    const res = await trainOn(tr, 1, 4);
    // The trainer's only use of its Rng when parameters are given: one permutation per epoch.
    const order = new Rng(SEED).permutation(5);
    const s1 = sgdStep(f64(START), rowsOf(tr, order, 0, 4));
    const s2 = sgdStep(s1.params, rowsOf(tr, order, 4, 5));
    expect(maxDiff(s2.params, res.params)).toBeLessThan(1e-6);
    expect(res.history.trainLossPerEpoch[0]).toBeCloseTo((4 * s1.loss + s2.loss) / 5, 6);
    // Had the three zero rows of padding counted, the second step would be another one.
    const padded = sgdStep(s1.params, [
      ...rowsOf(tr, order, 4, 5),
      ...Array.from({ length: 3 }, () => new Float32Array(3)),
    ]);
    expect(maxDiff(padded.params, res.params)).toBeGreaterThan(1e-4);
    expect(res.completed).toBe(true);
  });

  it('stops at a non-finite loss, naming epoch and step, with the parameters before that step', async () => {
    const n = 6;
    const order = new Rng(SEED).permutation(n);
    const x = new Rng(2).normalArray(n * 3);
    x[order[2] * 3 + 1] = Number.NaN; // the first row of step 2 (batches of 2)
    const tr = dataset('nan', n, x);
    const err = await trainOn(tr, 2, 2).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const d = err as TrainingDivergedError;
    expect([d.epoch, d.step]).toEqual([1, 2]);
    expect(d.loss).toBeNaN();
    expect(d.message).toMatch(/epoch 1, step 2: loss is NaN/);
    expect(d.history.trainLossPerEpoch).toEqual([]);
    const good = sgdStep(f64(START), rowsOf(tr, order, 0, 2)).params;
    expect(maxDiff(good, d.lastGoodParams)).toBeLessThan(1e-6);
    expect(maxDiff(f64(START), d.lastGoodParams)).toBeGreaterThan(1e-4); // step 1 did move them
    for (const p of PARAM_NAMES) expect(d.lastGoodParams[p].every(Number.isFinite)).toBe(true);
  });

  it("hands each epoch's parameters to onEpochEnd (checkpoints), the same as a run of that length", async () => {
    const tr = dataset('six', 6);
    const seen: { epoch: number; params: SaeParams; losses: number }[] = [];
    const res = await train(
      backend,
      CONFIG,
      { train: tr, test: dataset('test', 2) },
      {
        epochs: 2,
        batchSize: 4,
        seed: SEED,
        optimizer: { kind: 'sgd', lr: LR },
        onEpochEnd: async (e) => {
          seen.push({ epoch: e.epoch, params: e.params, losses: e.history.trainLossPerEpoch.length });
        },
      },
      START,
    );
    expect(seen.map((e) => [e.epoch, e.losses])).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
    const one = await trainOn(tr, 1, 4);
    expect(maxDiff(f64(START), seen[0].params)).toBe(0);
    expect(maxDiff(f64(one.params), seen[1].params)).toBe(0);
    expect(maxDiff(f64(res.params), seen[2].params)).toBe(0);
    expect(res.stoppedAt).toEqual({ epoch: 2, step: 2 });
  });

  it('an abort from a timer stops a long run (the loop lets the timer fire), saying where', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 0);
    const res = await train(
      backend,
      CONFIG,
      { train: dataset('long', 2000), test: dataset('test', 2) },
      { epochs: 10_000, batchSize: 1, seed: SEED, optimizer: { kind: 'sgd', lr: 1e-3 }, signal: ac.signal },
      START,
    );
    expect(res.completed).toBe(false);
    expect(res.stoppedAt.epoch).toBeLessThan(10_000);
    expect(res.history.trainLossPerEpoch.length).toBe(res.stoppedAt.epoch - 1);
    for (const p of PARAM_NAMES) expect(res.params[p].every(Number.isFinite)).toBe(true);
  });
});
