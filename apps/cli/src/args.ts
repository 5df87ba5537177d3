import { InvalidArgumentError, Option } from 'commander';

/** A meaningless flag or combination found after parsing: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Value parsers for flags: a bad value is a one-line usage error (exit code 2). */
export function int(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `expected an integer${max < Number.MAX_SAFE_INTEGER ? ` in [${min}, ${max}]` : ` >= ${min}`}, got "${v}"`,
      );
    }
    return n;
  };
}

export function positive(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive number, got "${v}"`);
  return n;
}

export function nonNegative(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError(`expected a number >= 0, got "${v}"`);
  return n;
}

/** Two unit indices like `3,7`. */
export function pair(v: string): [number, number] {
  const parts = v.split(',');
  if (parts.length !== 2) throw new InvalidArgumentError(`expected two unit indices like 3,7, got "${v}"`);
  const toIndex = int(0);
  return [toIndex(parts[0]), toIndex(parts[1])];
}

/** The --split option every command that reads a dataset split takes. */
export const splitOption = () =>
  new Option('--split <split>', 'dataset split').choices(['train', 'test']).default('test');

export function fraction(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !(n > 0 && n < 1))
    throw new InvalidArgumentError(`expected a number in (0, 1), got "${v}"`);
  return n;
}
