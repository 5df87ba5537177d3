import { expect } from 'vitest';

/** Asserts that `read` throws an error of `type` whose message starts with `source: ` and matches. */
export function expectRefusal(
  read: () => unknown,
  type: new (...args: never[]) => Error,
  source: string,
  pattern: RegExp,
): void {
  let err: unknown;
  try {
    read();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(type);
  expect((err as Error).message.startsWith(`${source}: `)).toBe(true);
  expect((err as Error).message).toMatch(pattern);
}
