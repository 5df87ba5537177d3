/** Input checks shared by the renderers. Every message starts with the renderer's name. */

/** Any array of numbers: `Float32Array`, `Float64Array`, `number[]`, … */
export type NumericArray = ArrayLike<number>;

export function assertPositiveInt(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${value}`);
  }
}

export function assertNonNegativeInt(fn: string, name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) {
    throw new RangeError(`${fn}: ${name} must be a non-negative integer, got ${value}`);
  }
}

export function assertNonEmpty(fn: string, name: string, values: NumericArray | undefined): void {
  if (values === undefined || values === null || typeof values.length !== 'number') {
    throw new TypeError(`${fn}: ${name} must be an array of numbers`);
  }
  if (values.length === 0) throw new RangeError(`${fn}: ${name} is empty`);
}

export function assertFinite(fn: string, name: string, values: NumericArray): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RangeError(`${fn}: ${name}[${i}] is ${values[i]}; all values must be finite`);
    }
  }
}

export function assertSameLength(fn: string, a: string, av: NumericArray, b: string, bv: NumericArray): void {
  if (av.length !== bv.length) {
    throw new RangeError(
      `${fn}: ${a} and ${b} must have the same length, got ${a}.length=${av.length} and ${b}.length=${bv.length}`,
    );
  }
}

/** Checks `[rows, cols]` and returns `rows * cols`. */
export function checkImageShape(fn: string, shape: readonly [number, number] | undefined): number {
  if (!Array.isArray(shape) || shape.length !== 2) {
    throw new TypeError(`${fn}: imageShape must be [rows, cols], got ${JSON.stringify(shape)}`);
  }
  assertPositiveInt(fn, 'imageShape[0] (rows)', shape[0]);
  assertPositiveInt(fn, 'imageShape[1] (cols)', shape[1]);
  return shape[0] * shape[1];
}

/** Min and max of a non-empty array. */
export function extent(values: NumericArray): [number, number] {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/** A compact, deterministic number label: 0.0123, 1.23e-7, 42. */
export function formatNumber(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(digits - 1).replace(/\.?0+e/, 'e');
  return String(Number(v.toPrecision(digits)));
}

/** `values[start .. end)` copied into a Float64Array. */
export function copyRange(values: NumericArray, start: number, end: number): Float64Array {
  const out = new Float64Array(end - start);
  for (let i = start; i < end; i++) out[i - start] = values[i];
  return out;
}
