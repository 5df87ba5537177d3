import { describe, expect, it } from 'vitest';
import {
  type BatchStream,
  type BatchStreamPosition,
  buildTrainStep,
  type Dataset,
  evaluate,
  type HostState,
  type HostStateSnapshot,
  PARAM_NAMES,
  Rng,
  type SaeConfig,
  type SaeParams,
  type TrainCheckpoint,
  type TrainOptions,
  train,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

// A stopped run resumed from any of its checkpoints ends with the parameters, optimizer state, host
// state and history of the run never stopped, bit for bit (the reference backend is deterministic).
const CONFIG: SaeConfig = {
  inputDim: 3,
  hiddenDim: 4,
  encoder: 'relu',
  decoder: 'identity',
  sparsity: { kind: 'l1', weight: 0.05 },
};
const backend = createReferenceBackend({ float32: true });
const data = (n: number, seed: number): Dataset => ({
  name: `d${n}`,
  n,
  dim: 3,
  x: new Rng(seed).normalArray(n * 3),
});
const TRAIN = data(11, 2);
const TEST = data(4, 3);

/** A recipe's host state in miniature: rows seen and a float64 sum of the losses it was shown. */
class CountingHost implements HostState {
  rows = 0;
  lossSum = 0;
  feeds() {
    return {};
  }
  observe(out: Readonly<Record<string, Float32Array>>, rows: number) {
    this.rows += rows;
    this.lossSum += out.loss[0] * Math.PI; // a float64 value that only round-trips if saved exactly
  }
  save(): HostStateSnapshot {
    return { rows: this.rows, lossSum: this.lossSum };
  }
  restore(s: HostStateSnapshot) {
    if (typeof s.rows !== 'number' || typeof s.lossSum !== 'number') throw new Error('bad host snapshot');
    this.rows = s.rows;
    this.lossSum = s.lossSum;
  }
}

let lastHost: CountingHost | undefined;
const withHost: typeof buildTrainStep = (c, b, o) => {
  lastHost = new CountingHost();
  return { ...buildTrainStep(c, b, o), host: lastHost };
};

const base = (over: Partial<TrainOptions> = {}): TrainOptions => ({
  epochs: 3,
  batchSize: 4,
  seed: 5,
  optimizer: { kind: 'adam', lr: 0.05 },
  buildStep: withHost,
  ...over,
});

/** What a checkpoint file keeps: typed arrays copied, everything else through JSON. */
function roundTrip(c: TrainCheckpoint): TrainCheckpoint {
  const { params, slots, ...rest } = c;
  return {
    ...(JSON.parse(JSON.stringify(rest)) as Omit<TrainCheckpoint, 'params' | 'slots'>),
    params: Object.fromEntries(PARAM_NAMES.map((n) => [n, Float32Array.from(params[n])])) as SaeParams,
    slots: Object.fromEntries(Object.entries(slots).map(([k, v]) => [k, Float32Array.from(v)])),
  };
}

const sameBits = (a: Float32Array, b: Float32Array) =>
  a.length === b.length &&
  Buffer.compare(
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  ) === 0;

function expectSameParams(a: SaeParams, b: SaeParams) {
  for (const n of PARAM_NAMES) expect(sameBits(a[n], b[n]), n).toBe(true);
}

/** Rows in file order, for the stream path: position { epoch, cursor } is all it needs. */
class ArrayStream implements BatchStream {
  readonly name = 'array';
  readonly dim = 3;
  readonly rowsPerEpoch: number;
  private epoch: number;
  private cursor: number;
  constructor(
    private readonly d: Dataset,
    at?: BatchStreamPosition,
  ) {
    this.rowsPerEpoch = d.n;
    this.epoch = at?.epoch ?? 0;
    this.cursor = at?.cursor ?? 0;
  }
  async nextBatch(out: Float32Array) {
    if (this.cursor >= this.d.n) {
      this.epoch++;
      this.cursor = 0;
      return 0;
    }
    const rows = Math.min(out.length / 3, this.d.n - this.cursor);
    out.set(this.d.x.subarray(this.cursor * 3, (this.cursor + rows) * 3));
    this.cursor += rows;
    return rows;
  }
  position() {
    return { epoch: this.epoch, cursor: this.cursor };
  }
  async close() {}
}

describe('train: checkpoints and resume', () => {
  it('resumes from every checkpoint (every 2 steps and each epoch end) to the same bits, host state and history', async () => {
    const cks: TrainCheckpoint[] = [];
    const full = await train(
      backend,
      CONFIG,
      { train: TRAIN, test: TEST },
      base({ checkpointEvery: 2, metricsEvery: 3, onCheckpoint: async (c) => void cks.push(roundTrip(c)) }),
    );
    const fullHost = lastHost!.save();
    // 3 steps an epoch (11 rows, batches of 4): the start, steps 2 4 6 8, and 3 epoch ends; step 6
    // ends epoch 2 but the stream says so only at the next read, so it is saved as "epoch 2, step 3".
    expect(cks.map((c) => [c.epoch, c.step, c.epochDone, c.globalStep])).toEqual([
      [0, 0, true, 0],
      [1, 2, false, 2],
      [1, 0, true, 3],
      [2, 1, false, 4],
      [2, 3, false, 6],
      [2, 0, true, 6],
      [3, 2, false, 8],
      [3, 0, true, 9],
    ]);
    expect(cks[1].slots['adam.t'][0]).toBe(2);
    expect(full.history.steps?.map((r) => r.step)).toEqual([3, 6, 9]);
    for (const c of cks.slice(0, -1)) {
      const res = await train(
        backend,
        CONFIG,
        { train: TRAIN, test: TEST },
        base({ metricsEvery: 3, resume: c }),
      );
      expectSameParams(res.params, full.params);
      expect(lastHost!.save()).toEqual(fullHost);
      expect(res.history).toEqual(omitSeconds(full.history, res.history));
    }
  });

  it('a stopped run (abort) hands back a checkpoint that resumes to the same bits', async () => {
    const full = await train(backend, CONFIG, { train: TRAIN, test: TEST }, base());
    const ac = new AbortController();
    let steps = 0;
    const stopped = await train(
      backend,
      CONFIG,
      { train: TRAIN, test: TEST },
      base({
        signal: ac.signal,
        onEvent: (e) => {
          if (e.type === 'step' && ++steps === 5) ac.abort();
        },
      }),
    );
    expect(stopped.completed).toBe(false);
    expect(stopped.checkpoint?.globalStep).toBe(5);
    const res = await train(
      backend,
      CONFIG,
      { train: TRAIN, test: TEST },
      base({ resume: roundTrip(stopped.checkpoint!) }),
    );
    expectSameParams(res.params, full.params);
    // The resumed run trains only the steps left.
    expect(steps).toBe(5);
  });

  it('a stream continues from its position (the caller reopens it there) to the same bits', async () => {
    const cks: TrainCheckpoint[] = [];
    const full = await train(
      backend,
      CONFIG,
      { train: new ArrayStream(TRAIN), test: TEST },
      base({ checkpointEvery: 4, onCheckpoint: async (c) => void cks.push(roundTrip(c)) }),
    );
    const mid = cks.find((c) => c.globalStep === 4)!;
    expect(mid.data).toEqual({ epoch: 1, cursor: 4 });
    const res = await train(
      backend,
      CONFIG,
      { train: new ArrayStream(TRAIN, mid.data), test: TEST },
      base({ resume: mid }),
    );
    expectSameParams(res.params, full.params);
    await expect(
      train(backend, CONFIG, { train: new ArrayStream(TRAIN), test: TEST }, base({ resume: mid })),
    ).rejects.toThrow(/stream is at epoch 0, row 0; the checkpoint continues at epoch 1, row 4/);
  });

  it('refuses a checkpoint of another optimizer, naming the missing state', async () => {
    const cks = await oneEpochCheckpoints();
    const sgd = { ...cks[1], slots: {} };
    await expect(train(backend, CONFIG, { train: TRAIN, test: TEST }, base({ resume: sgd }))).rejects.toThrow(
      /optimizer state adam\.[mtv].* is missing/,
    );
  });

  it('records loss, L0 (as evaluate measures it on that batch) and dead fraction every metricsEvery steps', async () => {
    // One batch holds the whole set, so the probed batch is the dataset; latent 3 never fires.
    const start: SaeParams = {
      W_enc: new Rng(7).normalArray(12, 0, 0.5),
      b_enc: Float32Array.of(0.1, 0.2, 0.1, -100),
      W_dec: new Rng(8).normalArray(12, 0, 0.5),
      b_dec: new Float32Array(3),
    };
    const byStep = new Map<number, SaeParams>();
    const res = await train(
      backend,
      CONFIG,
      { train: TRAIN, test: TEST },
      {
        ...base({ epochs: 4, batchSize: 11, metricsEvery: 2, checkpointEvery: 2 }),
        onCheckpoint: async (c) => void byStep.set(c.globalStep, c.params),
      },
      start,
    );
    const steps = res.history.steps!;
    expect(steps.map((r) => [r.step, r.epoch, r.tokens])).toEqual([
      [2, 2, 22],
      [4, 4, 44],
    ]);
    const m2 = await evaluate(backend, CONFIG, byStep.get(2)!, TRAIN);
    expect(steps[0].l0).toBeCloseTo(m2.l0, 12);
    expect(steps[0].deadFraction).toBeGreaterThanOrEqual(0.25);
    expect(steps[0].deadFraction).toBe(m2.deadUnits / 4);
  });
});

/** The checkpoints of a one-epoch run: the start, and the end of the epoch. */
async function oneEpochCheckpoints(): Promise<TrainCheckpoint[]> {
  const cks: TrainCheckpoint[] = [];
  const opts = base({ epochs: 1, onCheckpoint: async (c) => void cks.push(c) });
  await train(backend, CONFIG, { train: TRAIN, test: TEST }, opts);
  return cks;
}

function omitSeconds(full: TrainCheckpoint['history'], resumed: TrainCheckpoint['history']) {
  // Seconds are wall-clock; everything else must match exactly.
  return { ...full, secondsPerEpoch: resumed.secondsPerEpoch };
}

describe('train: resume refuses host state that does not fit the recipe', () => {
  it('names which side has host state', async () => {
    const cks = await oneEpochCheckpoints();
    const plain = { ...base(), buildStep: buildTrainStep };
    await expect(
      train(backend, CONFIG, { train: TRAIN, test: TEST }, { ...plain, resume: cks[1] }),
    ).rejects.toThrow(/the checkpoint has host state, this recipe keeps none/);
    const { host: _h, ...noHost } = cks[1];
    await expect(
      train(backend, CONFIG, { train: TRAIN, test: TEST }, base({ resume: noHost })),
    ).rejects.toThrow(/the checkpoint has no host state, this recipe keeps some/);
  });
});
