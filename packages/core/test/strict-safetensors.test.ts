import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from '../src/index.js';
import { expectRefusal } from './refusal.js';

/** A file from a header written as text and the data bytes that follow it. */
function file(header: string, data: Uint8Array | number = 0): Uint8Array {
  const head = new TextEncoder().encode(header);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + head.length + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(body, 8 + head.length);
  return out;
}

const refused = (bytes: Uint8Array, pattern: RegExp): void =>
  expectRefusal(() => decodeSafetensors(bytes, 'w.safetensors'), SafetensorsError, 'w.safetensors', pattern);

const a = (offsets: string, shape = '[2]'): string =>
  `"a":{"dtype":"F32","shape":${shape},"data_offsets":${offsets}}`;
const b = (offsets: string): string => `"b":{"dtype":"F32","shape":[2],"data_offsets":${offsets}}`;

describe('safetensors: what the format forbids is refused (each was accepted before)', () => {
  const good = encodeSafetensors({
    W: { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
    b: { shape: [3], data: Float32Array.from([7, 8, 9]) },
  });

  it('a header length 1 to 5 bytes short (every weight shifted)', () => {
    // Headers are padded with spaces, so a shorter length still ends on valid JSON.
    const data = new Uint8Array(new Float32Array([1, 2]).buffer);
    for (let short = 1; short <= 5; short++) {
      const bad = file(`{${a('[0,8]')}}      `, data);
      const view = new DataView(bad.buffer);
      view.setBigUint64(0, view.getBigUint64(0, true) - BigInt(short), true);
      refused(bad, new RegExp(`${short} trailing bytes after the last tensor`));
    }
  });

  it('overlapping, gapped and fractional offsets', () => {
    refused(
      file(`{${a('[0,8]')},${b('[4,12]')}}`, 12),
      /tensor "b" starts at byte 4, expected 8: an overlap/,
    );
    refused(file(`{${a('[0,8]')},${b('[12,20]')}}`, 20), /tensor "b" starts at byte 12, expected 8: a gap/);
    refused(file(`{${a('[0.5,8.5]')}}`, 9), /data_offsets must be two non-negative integers/);
    refused(file(`{${a('[4,12]')}}`, 12), /tensor "a" starts at byte 4, expected 0: a gap/);
  });

  it('duplicate tensor names (JSON.parse would keep the last)', () => {
    refused(file(`{${a('[0,8]')},${a('[8,16]')}}`, 16), /duplicate key "a"/);
  });

  it('trailing bytes after the last tensor', () => {
    refused(file(`{${a('[0,8]')}}`, 9), /1 trailing bytes after the last tensor/);
  });

  it('a byte order mark before the header', () => {
    refused(file(`\uFEFF{${a('[0,8]')}}`, 8), /must start with "\{", not a byte order mark/);
  });

  it('raw internal errors become SafetensorsError naming the file', () => {
    refused(file('{"a":null}'), /tensor "a": not an object/);
    refused(file(`{${a('[0,0]', '[-1]')}}`), /shape must be an array of non-negative integers/);
    refused(file(`{${a('[0,8]', '[2]')}}`, 4), /truncated: tensor "a" ends at byte 8, the data has 4/);
    refused(file(`{${a('[0,8]')},"__metadata__":{"x":1}}`, 8), /__metadata__ "x" must be a string/);
    refused(file('{"a":{"dtype":"F33","shape":[],"data_offsets":[0,4]}}', 4), /unknown dtype "F33"/);
    refused(file(`{${a('[0,8]').replace('}', ',"extra":1}')}}`, 8), /unknown field "extra"/);
  });

  it('shape times dtype size must equal the byte range', () => {
    refused(file(`{${a('[0,12]')}}`, 12), /hold 12 bytes, F32 \[2\] needs 8/);
  });

  it('never allocates from a claimed size before checking it against the file', () => {
    const huge = file(`{${a('[0,8]', '[4294967296,4294967296]')}}`, 8);
    refused(huge, /too large/);
  });

  it('still reads what the format allows: offsets in any header order, zero-size tensors, no tensors', () => {
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const d = decodeSafetensors(
      file(`{${b('[8,16]')},${a('[0,8]')},"z":{"dtype":"F32","shape":[0],"data_offsets":[16,16]}}`, data),
    );
    expect([...d.tensors.a.data]).toEqual([1, 2]);
    expect([...d.tensors.b.data]).toEqual([3, 4]);
    expect(d.tensors.z.shape).toEqual([0]);
    expect(Object.keys(decodeSafetensors(file('{}  ')).tensors)).toEqual([]);
    expect(decodeSafetensors(good).tensors.W.data).toEqual(Float32Array.from([1, 2, 3, 4, 5, 6]));
  });
});
