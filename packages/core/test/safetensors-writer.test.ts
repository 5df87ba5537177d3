import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSafetensors, Rng, readSafetensorsHeader, type WriteDtype } from '../src/index.js';
import { SafetensorsFileWriter } from '../src/node/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saekit-core-stw-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const N = 11;
const H = 5;
const latents = new Rng(1).normalArray(N * H);
const labels = Float32Array.from({ length: N }, (_, i) => i % 10);
const META = { source: 'rows', model: 'enc.onnx' };

describe('SafetensorsFileWriter', () => {
  it.each(['F32', 'F16', 'BF16'] as WriteDtype[])(
    '%s: the bytes of encodeSafetensors, from chunks of rows',
    async (dtype) => {
      const path = join(dir, 'latents.safetensors');
      await writeFile(path, 'old contents');
      const w = await SafetensorsFileWriter.create(path, { latents: [N, H], labels: [N] }, META, dtype);
      // Data order is by name: labels, then latents, each in chunks that do not divide N.
      expect(w.current).toBe('labels');
      await w.write('labels', labels);
      for (let r = 0; r < N; r += 4)
        await w.write('latents', latents.subarray(r * H, Math.min(N, r + 4) * H));
      expect(w.current).toBeUndefined();
      await w.close();
      const want = encodeSafetensors(
        { latents: { shape: [N, H], data: latents }, labels: { shape: [N], data: labels } },
        META,
        dtype,
      );
      const got = new Uint8Array(await readFile(path));
      expect(Buffer.compare(got, want)).toBe(0);
      expect(readSafetensorsHeader(got, path).metadata).toEqual(META);
      expect(await readdir(dir)).toEqual(['latents.safetensors']);
    },
  );

  it('refuses values out of order or past a tensor, and a file not whole; no file is left behind', async () => {
    const path = join(dir, 'out.safetensors');
    const w = await SafetensorsFileWriter.create(path, { latents: [N, H], labels: [N] });
    await expect(w.write('latents', latents)).rejects.toThrow(
      /values of "latents" written while "labels" is not/,
    );
    await w.write('labels', labels.subarray(0, 4));
    await expect(w.write('labels', labels)).rejects.toThrow(
      /"labels" takes 44 bytes; 11 more values overrun it/,
    );
    await expect(w.close()).rejects.toThrow(/"labels" is not whole \(16 of 264 data bytes written\)/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('abort leaves the file that was there', async () => {
    const path = join(dir, 'keep.safetensors');
    await writeFile(path, 'old');
    const w = await SafetensorsFileWriter.create(path, { latents: [N, H] });
    await w.write('latents', latents.subarray(0, H));
    await w.abort();
    expect(await readFile(path, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['keep.safetensors']);
  });
});
