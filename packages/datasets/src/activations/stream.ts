import { type BatchStream, type BatchStreamPosition, Rng } from '@saekit/core';
import type { OpenActivationFile } from './file.js';
import { RowReader } from './row-reader.js';
import type { ActivationSet } from './source.js';

export interface ActivationStreamOptions {
  /** Seeds the order of every epoch. Default 0. */
  seed?: number;
  /** Default true; false reads the rows in order (for evaluation). */
  shuffle?: boolean;
  /** Rows of the mixing buffer: how many vectors are shuffled together (rounded down to whole chunks, at least one). Default 16384. */
  bufferRows?: number;
  /** Rows read from a shard at a time; the buffer holds bufferRows / chunkRows chunks. Default 512. */
  chunkRows?: number;
  /** Bytes of the one read buffer. Default 1 MiB. */
  readBufferBytes?: number;
  /** Continue from a position a stream of the same set and options gave. */
  position?: BatchStreamPosition;
  openFile?: OpenActivationFile;
}

/**
 * The rows of an {@link ActivationSet} an epoch at a time, shuffled as SAE trainers do: each epoch
 * deals the set's chunks (runs of `chunkRows` rows of one shard) in a seeded random order; the
 * mixing buffer is filled with the next `bufferRows / chunkRows` of them, which come from shards
 * all over the set, and is emitted in a seeded random order of its rows. Every row is delivered
 * once per epoch. The order depends only on the seed, the epoch and the layout (never on timing or
 * on what was read), so a position `{ epoch, cursor }` is all it takes to continue bit for bit: a
 * restored stream reloads the one buffer the cursor is in.
 */
export class ActivationStream implements BatchStream {
  readonly name: string;
  readonly dim: number;
  readonly rowsPerEpoch: number;
  readonly seed: number;
  readonly shuffle: boolean;
  readonly bufferRows: number;
  readonly chunkRows: number;
  private epoch = 0;
  private cursor = 0;
  private readonly reader: RowReader;
  private readonly chunkShard: Uint32Array;
  private readonly chunkStart: Float64Array;
  private readonly chunkLen: Uint32Array;
  private readonly chunksPerWindow: number;
  private order: Uint32Array;
  private windowStarts = new Float64Array(1);
  private window = -1;
  private readonly data: Float32Array;
  private readonly perm: Uint32Array;
  private readonly picked: Uint32Array;

  constructor(
    private readonly set: ActivationSet,
    options: ActivationStreamOptions = {},
  ) {
    const pos = options.position;
    for (const key of POSITION_KEYS)
      if (pos && pos[key] === undefined) throw new RangeError(`ActivationStream: the position has no ${key}`);
    this.name = set.name;
    this.dim = set.dim;
    this.rowsPerEpoch = set.rows;
    this.seed = pick('seed', options.seed, pos?.seed, 0);
    this.shuffle = pick('shuffle', options.shuffle, pos?.shuffle, true);
    this.chunkRows = pick('chunkRows', options.chunkRows, pos?.chunkRows, 512);
    this.bufferRows = pick('bufferRows', options.bufferRows, pos?.bufferRows, 16384);
    for (const [k, v] of [
      ['bufferRows', this.bufferRows],
      ['chunkRows', this.chunkRows],
    ] as const)
      if (!Number.isInteger(v) || v < 1)
        throw new RangeError(`ActivationStream: ${k} must be a positive integer, got ${v}`);
    if (!Number.isInteger(this.seed))
      throw new RangeError(`ActivationStream: seed must be an integer, got ${this.seed}`);
    // The buffer holds whole chunks, at least one.
    this.chunksPerWindow = Math.max(1, Math.floor(this.bufferRows / this.chunkRows));
    this.reader = new RowReader({ bufferBytes: options.readBufferBytes, openFile: options.openFile });

    let n = 0;
    for (const s of set.segments) n += Math.ceil((s.end - s.start) / this.chunkRows);
    this.chunkShard = new Uint32Array(n);
    this.chunkStart = new Float64Array(n);
    this.chunkLen = new Uint32Array(n);
    let c = 0;
    for (const s of set.segments)
      for (let r = s.start; r < s.end; r += this.chunkRows, c++) {
        this.chunkShard[c] = s.shard;
        this.chunkStart[c] = r;
        this.chunkLen[c] = Math.min(this.chunkRows, s.end - r);
      }
    this.order = new Uint32Array(n);
    this.data = new Float32Array(this.chunksPerWindow * this.chunkRows * this.dim);
    this.perm = new Uint32Array(this.chunksPerWindow * this.chunkRows);
    this.picked = new Uint32Array(this.chunksPerWindow);
    if (pos) {
      if (pos.rows !== set.rows || pos.dim !== set.dim)
        throw new RangeError(
          `ActivationStream: the position is for ${pos.rows} rows of ${pos.dim}, ${set.name} has ${set.rows} of ${set.dim}`,
        );
      if (
        !Number.isInteger(pos.epoch) ||
        pos.epoch < 0 ||
        !Number.isInteger(pos.cursor) ||
        pos.cursor < 0 ||
        pos.cursor > set.rows
      )
        throw new RangeError(`ActivationStream: bad position epoch ${pos.epoch}, cursor ${pos.cursor}`);
      this.epoch = pos.epoch;
      this.cursor = pos.cursor;
    }
    this.startEpoch();
  }

  position(): BatchStreamPosition {
    return {
      epoch: this.epoch,
      cursor: this.cursor,
      seed: this.seed,
      shuffle: this.shuffle,
      bufferRows: this.bufferRows,
      chunkRows: this.chunkRows,
      rows: this.rowsPerEpoch,
      dim: this.dim,
    };
  }

  async nextBatch(out: Float32Array): Promise<number> {
    const D = this.dim;
    const cap = Math.floor(out.length / D);
    if (cap < 1)
      throw new RangeError(`ActivationStream: out holds ${out.length} values, less than one row of ${D}`);
    if (this.cursor >= this.rowsPerEpoch) {
      this.epoch++;
      this.cursor = 0;
      this.startEpoch();
      return 0;
    }
    let n = 0;
    while (n < cap && this.cursor < this.rowsPerEpoch) {
      const w = this.windowOf(this.cursor);
      if (w !== this.window) await this.load(w);
      const start = this.windowStarts[w];
      const take = Math.min(cap - n, this.windowStarts[w + 1] - this.cursor);
      const at = this.cursor - start;
      const data = this.data;
      for (let i = 0; i < take; i++) {
        // An element loop, not out.set(data.subarray(...)): no view object per row.
        const src = this.perm[at + i] * D;
        const dst = (n + i) * D;
        for (let d = 0; d < D; d++) out[dst + d] = data[src + d];
      }
      n += take;
      this.cursor += take;
    }
    return n;
  }

  async close(): Promise<void> {
    await this.reader.close();
  }

  /** The chunk order and the buffer boundaries of the current epoch. */
  private startEpoch(): void {
    const n = this.order.length;
    if (this.shuffle) new Rng(subSeed(this.seed, this.epoch, 0)).permutation(n, this.order);
    else for (let i = 0; i < n; i++) this.order[i] = i;
    const windows = Math.ceil(n / this.chunksPerWindow);
    this.windowStarts = new Float64Array(windows + 1);
    for (let w = 0, c = 0; w < windows; w++) {
      let rows = 0;
      for (let k = 0; k < this.chunksPerWindow && c < n; k++, c++) rows += this.chunkLen[this.order[c]];
      this.windowStarts[w + 1] = this.windowStarts[w] + rows;
    }
    this.window = -1;
  }

  private windowOf(row: number): number {
    let lo = 0;
    let hi = this.windowStarts.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.windowStarts[mid] <= row) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Fills the buffer with window `w`'s chunks, read in file order, and deals its row order. */
  private async load(w: number): Promise<void> {
    this.window = -1; // a failed read leaves no half-filled window behind
    const first = w * this.chunksPerWindow;
    const count = Math.min(this.chunksPerWindow, this.order.length - first);
    const picked = this.picked.subarray(0, count);
    picked.set(this.order.subarray(first, first + count));
    picked.sort((a, b) => this.chunkShard[a] - this.chunkShard[b] || this.chunkStart[a] - this.chunkStart[b]);
    let row = 0;
    for (const c of picked) {
      await this.reader.read(
        this.set.shards[this.chunkShard[c]],
        this.chunkStart[c],
        this.chunkLen[c],
        this.data,
        row,
      );
      row += this.chunkLen[c];
    }
    const perm = this.perm.subarray(0, row);
    if (this.shuffle) new Rng(subSeed(this.seed, this.epoch, w + 1)).permutation(row, perm);
    else for (let i = 0; i < row; i++) perm[i] = i;
    this.window = w;
  }
}

const POSITION_KEYS = [
  'epoch',
  'cursor',
  'seed',
  'shuffle',
  'bufferRows',
  'chunkRows',
  'rows',
  'dim',
] as const;

function pick<T extends number | boolean>(
  name: string,
  given: T | undefined,
  saved: string | number | boolean | null | undefined,
  fallback: T,
): T {
  if (saved !== undefined && given !== undefined && saved !== given)
    throw new RangeError(`ActivationStream: ${name} ${given} differs from the position's ${saved}`);
  if (saved !== undefined) {
    if (typeof saved !== typeof fallback)
      throw new RangeError(`ActivationStream: the position's ${name} is ${saved}`);
    return saved as T;
  }
  return given ?? fallback;
}

/** A seed for (seed, epoch, k): each epoch's order and each buffer's order drawn independently. */
function subSeed(seed: number, epoch: number, k: number): number {
  return mix32(mix32(mix32(seed >>> 0) ^ epoch) + k);
}

function mix32(x: number): number {
  x = Math.imul((x ^ (x >>> 16)) >>> 0, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
