/** The result of `geometricMedian`. */
export interface GeometricMedian {
  /** The last iterate, [dim]. */
  readonly median: Float64Array;
  /** Updates done. */
  readonly iterations: number;
  /** Whether the step-size test (step < tol) ended the loop. */
  readonly converged: boolean;
  /**
   * Why the loop ended: `tol`, `max-iter`, or `at-point` when an iterate landed exactly on a row
   * (its weight would be 1/0; that iterate is returned; every row equal ends here at once).
   */
  readonly stop: 'tol' | 'max-iter' | 'at-point';
  /** ‖m_new − m‖ of each update. */
  readonly stepNorms: number[];
}

export interface GeometricMedianOptions {
  /** Default 100. */
  readonly maxIter?: number;
  /** Stop once an update moves less than this (strictly); default 1e-5. */
  readonly tol?: number;
}

/**
 * The geometric median of `n` rows of `dim` values (row-major), by Weiszfeld's iteration from the
 * mean, in float64, exactly as dictionary_learning's `geometric_median` (no epsilon), e.g. to
 * initialise b_dec. Spec: tools/test-data/golden/modern/README.md, "Geometric median".
 */
export function geometricMedian(
  rows: ArrayLike<number>,
  dim: number,
  opts: GeometricMedianOptions = {},
): GeometricMedian {
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-5;
  if (!Number.isInteger(dim) || dim < 1)
    throw new RangeError(`geometricMedian: dim must be >= 1, got ${dim}`);
  const n = rows.length / dim;
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(
      `geometricMedian: ${rows.length} values are not a whole number (>= 1) of rows of ${dim}`,
    );
  if (!Number.isInteger(maxIter) || maxIter < 0)
    throw new RangeError(`geometricMedian: maxIter must be an integer >= 0, got ${maxIter}`);
  if (!(tol >= 0)) throw new RangeError(`geometricMedian: tol must be >= 0, got ${tol}`);
  for (let i = 0; i < rows.length; i++)
    if (!Number.isFinite(rows[i]))
      throw new RangeError(`geometricMedian: row ${Math.floor(i / dim)}, column ${i % dim} is ${rows[i]}`);

  let m = new Float64Array(dim);
  for (let j = 0; j < n; j++) for (let d = 0; d < dim; d++) m[d] += rows[j * dim + d];
  for (let d = 0; d < dim; d++) m[d] /= n;
  const w = new Float64Array(n);
  const stepNorms: number[] = [];
  for (let it = 0; it < maxIter; it++) {
    let wSum = 0;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (rows[j * dim + d] - m[d]) ** 2;
      if (s === 0) return { median: m, iterations: it, converged: false, stop: 'at-point', stepNorms };
      w[j] = 1 / Math.sqrt(s);
      wSum += w[j];
    }
    const next = new Float64Array(dim);
    for (let j = 0; j < n; j++) {
      const wj = w[j] / wSum;
      for (let d = 0; d < dim; d++) next[d] += wj * rows[j * dim + d];
    }
    let step = 0;
    for (let d = 0; d < dim; d++) step += (next[d] - m[d]) ** 2;
    step = Math.sqrt(step);
    stepNorms.push(step);
    m = next;
    if (step < tol) return { median: m, iterations: it + 1, converged: true, stop: 'tol', stepNorms };
  }
  return { median: m, iterations: maxIter, converged: false, stop: 'max-iter', stepNorms };
}
