import { UnsupportedOpError } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { isUnsupportedOpError } from '../src/index.js';

describe('what counts as an unsupported op', () => {
  it('UnsupportedOpError, by class or by name (another copy of core)', () => {
    expect(isUnsupportedOpError(new UnsupportedOpError('b', 'kthLargest'))).toBe(true);
    const foreign = Object.assign(new Error('backend x does not implement op "kthLargest"'), {
      name: 'UnsupportedOpError',
    });
    expect(isUnsupportedOpError(foreign)).toBe(true);
  });
  it('not a crash whose message happens to mention "unsupported": that is an error row', () => {
    for (const msg of [
      'Unsupported opset 21',
      'unsupported operand type',
      'backend does not implement op "x"',
    ]) {
      expect(isUnsupportedOpError(new Error(msg)), msg).toBe(false);
    }
  });
});
