import type { BatchStream, BatchStreamPosition, Dataset } from '@saekit/core';
import type { ActivationSet } from './source.js';
import { ActivationStream } from './stream.js';

/** Norms measured on a sample of a set, for the input scale and the outlier threshold. */
export interface NormSample {
  readonly rows: number;
  readonly meanNorm: number;
  readonly medianNorm: number;
}

/**
 * The L2 norms of `sampleRows` rows of a set drawn as training draws them (a seeded mixing buffer
 * of that size, so the rows come from all over the set), their mean and median. With `maxNorm`,
 * the mean is over the rows at or below it, as training will see them.
 */
export async function sampleNorms(
  set: ActivationSet,
  opts: { sampleRows?: number; seed?: number; chunkRows?: number; maxNormOfMedian?: number } = {},
): Promise<NormSample> {
  const want = Math.min(opts.sampleRows ?? 16384, set.rows);
  const chunkRows = Math.min(opts.chunkRows ?? 64, want);
  const stream = new ActivationStream(set, { seed: opts.seed ?? 0, bufferRows: want, chunkRows });
  const D = set.dim;
  const x = new Float32Array(want * D);
  let rows = 0;
  try {
    while (rows < want) {
      const n = await stream.nextBatch(x.subarray(rows * D));
      if (n === 0) break;
      rows += n;
    }
  } finally {
    await stream.close();
  }
  const norms = new Float64Array(rows);
  for (let r = 0; r < rows; r++) norms[r] = rowNorm(x, r, D);
  const sorted = Float64Array.from(norms).sort();
  const mid = rows >> 1;
  const medianNorm = rows % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const cap =
    opts.maxNormOfMedian !== undefined ? opts.maxNormOfMedian * medianNorm : Number.POSITIVE_INFINITY;
  let sum = 0;
  let kept = 0;
  for (const v of norms)
    if (v <= cap) {
      sum += v;
      kept++;
    }
  return { rows, meanNorm: sum / kept, medianNorm };
}

function rowNorm(x: Float32Array, r: number, D: number): number {
  let s = 0;
  for (let d = r * D, e = d + D; d < e; d++) s += x[d] * x[d];
  return Math.sqrt(s);
}

export interface NormaliseOptions {
  /** Multiplies every row (SAELens' √d_in / E‖x‖). Default 1. */
  readonly scale?: number;
  /** Rows whose raw norm is above this are left out (and counted). */
  readonly maxNorm?: number;
}

/**
 * A stream's rows scaled, and outliers left out. Each batch is one read of the inner stream with
 * its outliers dropped (so a batch may be short), which keeps the position exactly the inner
 * stream's plus a count of rows left out.
 */
export class NormalisedStream implements BatchStream {
  readonly name: string;
  readonly dim: number;
  readonly rowsPerEpoch: number;
  /** Rows left out as outliers since the run began (carried through the position). */
  excluded: number;
  private scratch = new Float32Array(0);
  private readonly scale: number;
  private readonly maxSq: number;

  constructor(
    private readonly inner: BatchStream,
    opts: NormaliseOptions,
    position?: BatchStreamPosition,
  ) {
    this.name = inner.name;
    this.dim = inner.dim;
    this.rowsPerEpoch = inner.rowsPerEpoch;
    this.scale = opts.scale ?? 1;
    this.maxSq = opts.maxNorm !== undefined ? opts.maxNorm * opts.maxNorm : Number.POSITIVE_INFINITY;
    this.excluded = typeof position?.excluded === 'number' ? position.excluded : 0;
  }

  async nextBatch(out: Float32Array): Promise<number> {
    const D = this.dim;
    if (this.scratch.length !== out.length) this.scratch = new Float32Array(out.length);
    for (;;) {
      const n = await this.inner.nextBatch(this.scratch);
      if (n === 0) return 0;
      const kept = keepRows(this.scratch, n, D, out, this.scale, this.maxSq);
      this.excluded += n - kept;
      // A batch of outliers only is skipped: 0 would mean the end of the epoch.
      if (kept > 0) return kept;
    }
  }

  position(): BatchStreamPosition {
    return { ...this.inner.position(), excluded: this.excluded };
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

/** Copies the rows of `src` with a squared norm ≤ maxSq into `out`, scaled; returns how many. */
function keepRows(
  src: Float32Array,
  n: number,
  D: number,
  out: Float32Array,
  scale: number,
  maxSq: number,
): number {
  let kept = 0;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let d = r * D, e = d + D; d < e; d++) s += src[d] * src[d];
    if (s > maxSq) continue;
    for (let d = 0, i = r * D, o = kept * D; d < D; d++) out[o + d] = src[i + d] * scale;
    kept++;
  }
  return kept;
}

/** The same for a held-out set in memory: scaled, outliers left out; returns how many were. */
export function normaliseDataset(d: Dataset, opts: NormaliseOptions): { data: Dataset; excluded: number } {
  const maxSq = opts.maxNorm !== undefined ? opts.maxNorm * opts.maxNorm : Number.POSITIVE_INFINITY;
  const x = new Float32Array(d.x.length);
  const kept = keepRows(d.x, d.n, d.dim, x, opts.scale ?? 1, maxSq);
  return {
    data: { name: d.name, dim: d.dim, n: kept, x: x.subarray(0, kept * d.dim) },
    excluded: d.n - kept,
  };
}
