import { describe, expect, it } from 'vitest';
import {
  encodeSafetensors,
  readSafetensorsHeader,
  readSafetensorsHeaderPrefix,
  SafetensorsError,
  safetensorsHeaderLength,
} from '../src/index.js';
import { expectRefusal } from './refusal.js';

const file = encodeSafetensors({
  W: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
  b: { shape: [3], data: Float32Array.from([7, 8, 9]) },
});
const headEnd = 8 + Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));

describe('safetensors header from a prefix of the file', () => {
  it('reads the same header as from the whole file, from only the header bytes', () => {
    const prefix = file.slice(0, headEnd);
    expect(readSafetensorsHeaderPrefix(prefix, file.length, 'w.safetensors')).toEqual(
      readSafetensorsHeader(file, 'w.safetensors'),
    );
    expect(safetensorsHeaderLength(file.subarray(0, 8), file.length, 'w.safetensors')).toBe(headEnd - 8);
  });

  it('checks the offsets against the file size, not the prefix', () => {
    const prefix = file.slice(0, headEnd);
    expectRefusal(
      () => readSafetensorsHeaderPrefix(prefix, file.length - 4, 'w.safetensors'),
      SafetensorsError,
      'w.safetensors',
      /truncated: tensor "b" ends at byte 36, the data has 32/,
    );
    expectRefusal(
      () => readSafetensorsHeaderPrefix(prefix, file.length + 2, 'w.safetensors'),
      SafetensorsError,
      'w.safetensors',
      /2 trailing bytes after the last tensor/,
    );
  });

  it('refuses a header length beyond the file before anything is read', () => {
    expectRefusal(
      () => safetensorsHeaderLength(file.subarray(0, 8), headEnd - 1, 'w.safetensors'),
      SafetensorsError,
      'w.safetensors',
      /header length \d+ exceeds the file/,
    );
    expectRefusal(
      () => safetensorsHeaderLength(file.subarray(0, 8), 5, 'w.safetensors'),
      SafetensorsError,
      'w.safetensors',
      /truncated: 5 bytes/,
    );
  });

  it('a prefix shorter than the header is a caller error, not a corrupt file', () => {
    expect(() =>
      readSafetensorsHeaderPrefix(file.slice(0, headEnd - 1), file.length, 'w.safetensors'),
    ).toThrow(RangeError);
  });
});
