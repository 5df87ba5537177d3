import { describe, expect, it } from 'vitest';
import {
  type AnySaeConfig,
  type BatchStream,
  type BatchStreamPosition,
  type Dataset,
  evaluate,
  evaluateStream,
  initParams,
  Rng,
  type SaeMetrics,
} from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

// evaluateStream (two streamed passes) against evaluate (rows in memory) on the same rows.
const backend = createReferenceBackend({ float32: true });

/** The rows of a dataset in order, in batches of a cycle of odd sizes (not the evaluation batch). */
class OrderedStream implements BatchStream {
  readonly name: string;
  readonly dim: number;
  readonly rowsPerEpoch: number;
  private epoch = 0;
  private cursor = 0;
  private call = 0;

  constructor(
    private readonly data: Dataset,
    private readonly sizes: readonly number[],
  ) {
    this.name = data.name;
    this.dim = data.dim;
    this.rowsPerEpoch = data.n;
  }

  async nextBatch(out: Float32Array): Promise<number> {
    if (this.cursor >= this.data.n) {
      this.epoch++;
      this.cursor = 0;
      return 0;
    }
    const want = this.sizes[this.call++ % this.sizes.length];
    const rows = Math.min(want, Math.floor(out.length / this.dim), this.data.n - this.cursor);
    const D = this.dim;
    out.set(this.data.x.subarray(this.cursor * D, (this.cursor + rows) * D));
    this.cursor += rows;
    return rows;
  }

  position(): BatchStreamPosition {
    return { epoch: this.epoch, cursor: this.cursor };
  }

  async close(): Promise<void> {}
}

/** Rows around an offset of 5 per column: a wrong column mean would change FVU and explained variance. */
function offsetData(n: number, D: number): Dataset {
  const x = new Rng(4).normalArray(n * D);
  for (let i = 0; i < x.length; i++) x[i] += 5 + (i % D);
  return { name: 'offset', n, dim: D, x };
}

function expectSameMetrics(got: SaeMetrics, want: SaeMetrics): void {
  const close = (a: number, b: number, what: string) =>
    expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(b)));
  for (const k of ['mse', 'penalty', 'total', 'fvu'] as const) close(got[k], want[k], k);
  expect(got.l0).toBe(want.l0);
  expect(got.deadUnits).toBe(want.deadUnits);
  expect(got.penaltyKind).toBe(want.penaltyKind);
  for (const [j, v] of got.meanActivation.entries()) close(v, want.meanActivation[j], `meanActivation[${j}]`);
  for (const [k, v] of Object.entries(want.saebench)) {
    const g = got.saebench[k as keyof SaeMetrics['saebench']];
    if (typeof v === 'number') close(g as number, v, `saebench.${k}`);
    else expect(g, k).toEqual(v);
  }
}

const CONFIGS: [string, AnySaeConfig][] = [
  [
    'relu + l1',
    {
      inputDim: 6,
      hiddenDim: 9,
      encoder: 'relu',
      decoder: 'identity',
      sparsity: { kind: 'l1', weight: 0.01 },
    },
  ],
  [
    'sigmoid + kl',
    {
      inputDim: 6,
      hiddenDim: 9,
      encoder: 'sigmoid',
      decoder: 'identity',
      sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
    },
  ],
  [
    'topk',
    { inputDim: 6, hiddenDim: 9, encoder: 'topk', k: 3, decoder: 'identity', sparsity: { kind: 'none' } },
  ],
];

describe('evaluateStream', () => {
  it.each(CONFIGS)(
    '%s: the metrics of evaluate on the same rows, batches of other sizes',
    async (_, config) => {
      const data = offsetData(257, 6);
      const params = initParams(config, new Rng(3));
      const want = await evaluate(backend, config, params, data, { batchSize: 64 });
      const stream = new OrderedStream(data, [7, 64, 1, 30]);
      const got = await evaluateStream(backend, config, params, stream, { batchSize: 64 });
      expectSameMetrics(got, want);
      expect(got.saebench.n).toBe(257);
      // Two whole epochs, and the stream is left at the start of the third.
      expect(stream.position()).toEqual({ epoch: 2, cursor: 0 });
    },
  );

  it('refuses a stream in the middle of an epoch, of another width, or without rows', async () => {
    const [, config] = CONFIGS[0];
    const params = initParams(config, new Rng(3));
    const mid = new OrderedStream(offsetData(20, 6), [5]);
    await mid.nextBatch(new Float32Array(30));
    await expect(evaluateStream(backend, config, params, mid)).rejects.toThrow(
      /offset is at row 5 of an epoch; it must be at the start of one/,
    );
    await expect(
      evaluateStream(backend, config, params, new OrderedStream(offsetData(20, 5), [5])),
    ).rejects.toThrow(/dataset offset has dim 5, the model takes 6/);
    const empty = new OrderedStream({ name: 'none', n: 0, dim: 6, x: new Float32Array(0) }, [5]);
    await expect(evaluateStream(backend, config, params, empty)).rejects.toThrow(/dataset none is empty/);
  });
});
