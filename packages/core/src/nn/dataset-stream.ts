import type { Rng } from '../rng.js';
import type { BatchStream, BatchStreamPosition } from './batch-stream.js';
import type { Dataset } from './dataset.js';

/**
 * An in-memory dataset as a {@link BatchStream}: each epoch a permutation drawn from `rng` (the
 * trainer's generator, after the initial parameters, so the order is what it always was), rows
 * delivered in that order. Its position holds the generator's state at the epoch's start, so a
 * restored stream redraws the same permutation.
 */
export class DatasetStream implements BatchStream {
  readonly name: string;
  readonly dim: number;
  readonly rowsPerEpoch: number;
  private readonly order: Uint32Array;
  private epoch = 0;
  private cursor = 0;
  private epochRng: number[] = [];
  private epochSpare: number | null = null;

  constructor(
    private readonly data: Dataset,
    private readonly rng: Rng,
    position?: BatchStreamPosition,
  ) {
    this.name = data.name;
    this.dim = data.dim;
    this.rowsPerEpoch = data.n;
    this.order = new Uint32Array(data.n);
    if (position) {
      const { epoch, cursor, rows, s0, s1, s2, s3, spare } = position;
      if (
        rows !== data.n ||
        !Number.isInteger(epoch) ||
        !Number.isInteger(cursor) ||
        (cursor as number) > data.n
      )
        throw new RangeError(
          `DatasetStream: the position (epoch ${epoch}, row ${cursor} of ${rows}) does not fit ${data.name} (${data.n} rows)`,
        );
      rng.restore({ s: [s0, s1, s2, s3] as number[], spareNormal: spare as number | null });
      this.epoch = epoch;
      this.cursor = cursor;
    }
    this.startEpoch();
  }

  position(): BatchStreamPosition {
    const [s0, s1, s2, s3] = this.epochRng;
    return {
      epoch: this.epoch,
      cursor: this.cursor,
      rows: this.rowsPerEpoch,
      s0,
      s1,
      s2,
      s3,
      spare: this.epochSpare,
    };
  }

  /**
   * Each row is one TypedArray.set (a memory copy), which beats an element loop on shuffled rows
   * enough to be worth a short-lived view object per row.
   */
  async nextBatch(out: Float32Array): Promise<number> {
    const D = this.dim;
    if (this.cursor >= this.rowsPerEpoch) {
      this.epoch++;
      this.cursor = 0;
      this.startEpoch();
      return 0;
    }
    const rows = Math.min(Math.floor(out.length / D), this.rowsPerEpoch - this.cursor);
    const src = this.data.x;
    for (let r = 0; r < rows; r++) {
      const s = this.order[this.cursor + r] * D;
      out.set(src.subarray(s, s + D), r * D);
    }
    this.cursor += rows;
    return rows;
  }

  async close(): Promise<void> {}

  private startEpoch(): void {
    const st = this.rng.state();
    this.epochRng = [...st.s];
    this.epochSpare = st.spareNormal;
    this.rng.permutation(this.rowsPerEpoch, this.order);
  }
}
