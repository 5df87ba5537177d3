import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  activationsToDataset,
  DatasetError,
  decodeF16,
  encodeF16,
  f16BitsToFloat,
  floatToF16Bits,
  openActivations,
  RowReader,
} from '../src/index.js';
import { FIXTURES, useTempDirs } from './helpers/activations.js';

interface Expected {
  shape: [number, number];
  values: number[];
  tensor?: string;
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

/** Every row of a set, read through a small buffer so reads split rows. */
async function readAll(
  path: string,
  tensor?: string,
): Promise<{ rows: number; dim: number; x: Float32Array }> {
  const set = await openActivations(path, { tensor });
  const reader = new RowReader({ bufferBytes: 8 });
  const x = new Float32Array(set.rows * set.dim);
  let row = 0;
  for (const s of set.segments) {
    await reader.read(set.shards[s.shard], s.start, s.end - s.start, x, row);
    row += s.end - s.start;
  }
  await reader.close();
  return { rows: set.rows, dim: set.dim, x };
}

describe('activation files from NumPy and safetensors load with the values NumPy computed', () => {
  for (const name of [
    'f32.npy',
    'f16.npy',
    'st-f32.safetensors',
    'st-f16.safetensors',
    'st-bf16.safetensors',
    'shards',
  ]) {
    it(name, async () => {
      const e: Expected = expected[name];
      const got = await readAll(join(FIXTURES, name));
      expect([got.rows, got.dim]).toEqual(e.shape);
      expect(Array.from(got.x)).toEqual(e.values);
    });
  }

  it('a named tensor of a file with two 2-D tensors; without a name it is an error naming them', async () => {
    const e: Expected = expected['st-two.safetensors'];
    const path = join(FIXTURES, 'st-two.safetensors');
    const got = await readAll(path, 'b');
    expect(Array.from(got.x)).toEqual(e.values);
    await expect(openActivations(path)).rejects.toThrow(
      `${path}: 2 2-D tensors; name the one to read with the tensor option (it has a F32 [2, 3], b F32 [3, 2])`,
    );
    await expect(openActivations(path, { tensor: 'c' })).rejects.toThrow(`${path}: no tensor "c"`);
  });

  it('the 1-D tensor beside the activations is not picked, and cannot be named', async () => {
    const path = join(FIXTURES, 'st-f32.safetensors');
    expect((await openActivations(path)).shards[0].tensor).toBe('acts');
    await expect(openActivations(path, { tensor: 'extra' })).rejects.toThrow(
      `${path}: tensor "extra" has shape [3], not 2-D`,
    );
  });
});

describe('activationsToDataset', () => {
  it('loads a directory of shards in order, and refuses before allocating over the limit', async () => {
    const set = await openActivations(join(FIXTURES, 'shards'));
    const d = await activationsToDataset(set);
    expect([d.n, d.dim, Array.from(d.x)]).toEqual([9, 3, expected.shards.values]);
    await expect(activationsToDataset(set, { maxBytes: 107 })).rejects.toThrow(
      `${set.name}: 9 rows of 3 take 108 bytes as float32, over the limit of 107`,
    );
  });
});

describe('float16 and bfloat16 conversion', () => {
  it('decodes all 65536 float16 patterns as NumPy does (NaN patterns give NaN)', () => {
    const bits = new Uint16Array(65536).map((_, i) => i);
    const out = new Float32Array(65536);
    decodeF16(bits, out, 0);
    const kept = out.filter((v) => !Number.isNaN(v));
    const nan = out.length - kept.length;
    expect(kept.length).toBe(expected.f16_all.non_nan);
    expect(nan).toBe(2 * 1023);
    expect(createHash('sha256').update(kept).digest('hex')).toBe(expected.f16_all.sha256);
  });

  it('subnormals, -0, the largest value, Inf and NaN, one by one', () => {
    expect(f16BitsToFloat(0x0001)).toBe(2 ** -24);
    expect(f16BitsToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(f16BitsToFloat(0x8000), -0)).toBe(true);
    expect(f16BitsToFloat(0x7bff)).toBe(65504);
    expect(f16BitsToFloat(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(f16BitsToFloat(0x7e01)).toBeNaN();
  });

  it('rounds float32 to float16 as NumPy does, over 200000 scattered float32 values', () => {
    const x = new Float32Array(new Uint32Array(200000).map((_, i) => Math.imul(i, 2654435761) >>> 0).buffer);
    const kept = x.filter((v) => !Number.isNaN(v));
    const h = new Uint16Array(kept.length);
    encodeF16(kept, h);
    expect(h.length).toBe(expected.f32_to_f16.count);
    expect(createHash('sha256').update(h).digest('hex')).toBe(expected.f32_to_f16.sha256);
  });

  it('ties go to even, and just below the overflow threshold stays finite', () => {
    expect(floatToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and the next: even is 1
    expect(floatToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToF16Bits(65519)).toBe(0x7bff);
    expect(floatToF16Bits(65520)).toBe(0x7c00);
    expect(floatToF16Bits(2 ** -25)).toBe(0); // halfway to the smallest subnormal: even is 0
    expect(floatToF16Bits(3 * 2 ** -25)).toBe(2);
  });
});

describe('NaN and Inf inside a shard', () => {
  it('the finite edge row decodes exactly; the row holding Inf is an error naming file, row and column', async () => {
    const path = join(FIXTURES, 'f16-edge.npy');
    const set = await openActivations(path);
    const reader = new RowReader();
    const row0 = new Float32Array(4);
    await reader.read(set.shards[0], 0, 1, row0, 0);
    expect(Array.from(new Uint32Array(row0.buffer))).toEqual(expected['f16-edge.npy'].row0_float32_bits);
    const err = await reader.read(set.shards[0], 0, 2, new Float32Array(8), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message).toBe(
      `${path}: row 1 (0-based), column 0 is Infinity; activations must be finite`,
    );
    await reader.close();
  });
});

describe('corrupt, truncated and forged shards: a DatasetError naming the file', () => {
  const tempDir = useTempDirs();
  const tmp = async (name: string, bytes: Uint8Array): Promise<string> => {
    const path = join(await tempDir(), name);
    await writeFile(path, bytes);
    return path;
  };
  const refused = async (path: string, pattern: RegExp): Promise<void> => {
    const err = await openActivations(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatasetError);
    expect((err as Error).message.startsWith(`${path}: `)).toBe(true);
    expect((err as Error).message).toMatch(pattern);
  };
  const f32 = readFileSync(join(FIXTURES, 'f32.npy'));
  const st = readFileSync(join(FIXTURES, 'st-f32.safetensors'));
  const npyText = (dict: string): Uint8Array => {
    const text = `${dict}\n`;
    const out = new Uint8Array(10 + text.length + 12);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, text.length, true);
    out.set(new TextEncoder().encode(text), 10);
    return out;
  };

  it('.npy: truncated data, trailing bytes, bad magic, unknown version', async () => {
    await refused(
      await tmp('t.npy', f32.subarray(0, f32.length - 5)),
      /truncated: shape \(5, 3\) <f4 needs 60 bytes of data, the file has 55/,
    );
    await refused(
      await tmp('t.npy', Buffer.concat([f32, Buffer.alloc(4)])),
      /4 trailing bytes after the data/,
    );
    await refused(
      await tmp('t.npy', Buffer.concat([Buffer.from('XNUMPY'), f32.subarray(6)])),
      /not a \.npy file/,
    );
    const v9 = Buffer.from(f32);
    v9[6] = 9;
    await refused(await tmp('t.npy', v9), /unknown \.npy version 9\.0/);
    await refused(await tmp('t.npy', f32.subarray(0, 7)), /truncated: 7 bytes/);
  });

  it('.npy: a forged header length or shape is refused before anything is allocated from it', async () => {
    const forged = Buffer.from(f32);
    forged[6] = 2; // version 2: a 4-byte length, here claiming ~4 GB
    forged.writeUInt32LE(0xfffffff0, 8);
    await refused(await tmp('t.npy', forged), /header length \d+ is over the limit/);
    const long = Buffer.from(f32);
    long.writeUInt16LE(60000, 8);
    await refused(await tmp('t.npy', long), /truncated: header length 60000 exceeds the file/);
    const huge = npyText("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 768), }");
    await refused(await tmp('t.npy', huge), /needs 307200000000000 bytes of data, the file has 12/);
  });

  it('.npy: dtype, order, rank and the keys of the header are checked', async () => {
    const dict = (d: string) => npyText(d);
    await refused(
      await tmp('t.npy', dict("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }")),
      /dtype "<f8" is not supported/,
    );
    await refused(
      await tmp('t.npy', dict("{'descr': '>f4', 'fortran_order': False, 'shape': (1, 3), }")),
      /dtype ">f4"/,
    );
    await refused(
      await tmp('t.npy', dict("{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3), }")),
      /Fortran order/,
    );
    await refused(
      await tmp('t.npy', dict("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }")),
      /shape \(3\) is not 2-D/,
    );
    await refused(
      await tmp('t.npy', dict("{'descr': '<f4', 'shape': (1, 3), }")),
      /keys must be descr, fortran_order, shape/,
    );
    await refused(
      await tmp('t.npy', dict("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }")),
      /duplicate key "descr"/,
    );
    await refused(
      await tmp('t.npy', dict("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3) }x")),
      /text after the dict/,
    );
  });

  it('.safetensors: truncated, forged header length, corrupt header, unsupported dtype', async () => {
    await refused(
      await tmp('t.safetensors', st.subarray(0, st.length - 3)),
      /truncated: tensor "extra" ends at byte 60, the data has 57/,
    );
    const forged = Buffer.from(st);
    forged.writeBigUInt64LE(1n << 40n, 0);
    await refused(await tmp('t.safetensors', forged), /header length 1099511627776 exceeds the file/);
    const corrupt = Buffer.from(st);
    corrupt[8] = 0x5b; // '[' instead of '{'
    await refused(await tmp('t.safetensors', corrupt), /corrupt header/);
    const i32 = Buffer.from(
      st.toString('latin1').replace('"acts":{"dtype":"F32"', '"acts":{"dtype":"I32"'),
      'latin1',
    );
    await refused(await tmp('t.safetensors', i32), /tensor "acts" is I32; F32, F16 or BF16 can be read/);
  });

  it('a directory: a shard of another width is an error naming it and the first shard', async () => {
    const dir = join(FIXTURES, 'wide');
    await expect(openActivations(dir)).rejects.toThrow(
      `${join(dir, 'b.npy')}: rows of 4 values, but a.npy (the first shard) has 3; all shards of ${dir} must have one width`,
    );
  });

  it('a directory with no shards, and a path that does not exist', async () => {
    const empty = await tempDir();
    await writeFile(join(empty, 'notes.txt'), 'x');
    await refused(empty, /no \.npy or \.safetensors files in the directory/);
    await expect(openActivations(join(FIXTURES, 'missing.npy'))).rejects.toThrow(/missing\.npy: cannot read/);
  });

  it('a shard that shrinks after it was opened: the read fails naming it', async () => {
    const path = await tmp('t.npy', f32);
    const set = await openActivations(path);
    await writeFile(path, f32.subarray(0, f32.length - 12));
    const reader = new RowReader();
    const err = await reader.read(set.shards[0], 0, 5, new Float32Array(15), 0).catch((e: unknown) => e);
    await reader.close();
    expect((err as Error).message).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated: ended at byte`),
    );
  });
});
