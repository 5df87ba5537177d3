/**
 * Rows of training data delivered a batch at a time, for data that does not fit in memory (the
 * in-memory `Dataset` is the other kind). One stream goes through epochs in order; its position is
 * plain JSON, so a checkpoint can hold it and a resumed run can reopen the stream where it stopped.
 */
export interface BatchStream {
  readonly name: string;
  /** Values per row. */
  readonly dim: number;
  /** Rows in one epoch. */
  readonly rowsPerEpoch: number;
  /**
   * Writes the next rows of the current epoch into `out` (row-major, whole rows, at most
   * `floor(out.length / dim)`), resolving to how many. Resolves to 0 once when the epoch is over;
   * the call after that starts the next epoch.
   */
  nextBatch(out: Float32Array): Promise<number>;
  /** Where the next `nextBatch` starts: enough to reopen the same stream at the same row. */
  position(): BatchStreamPosition;
  close(): Promise<void>;
}

/** A stream's position; `epoch` counts from 0, `cursor` is the rows of that epoch already delivered. */
export interface BatchStreamPosition {
  readonly epoch: number;
  readonly cursor: number;
  readonly [key: string]: string | number | boolean | null;
}
