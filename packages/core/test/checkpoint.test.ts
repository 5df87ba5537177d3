import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configFromJson,
  decodeSafetensors,
  encodeSafetensors,
  initParams,
  Rng,
  type SaeConfig,
} from '../src/index.js';
import { loadCheckpoint, saveCheckpoint } from '../src/node/index.js';

const config: SaeConfig = {
  inputDim: 6,
  hiddenDim: 4,
  encoder: 'relu',
  decoder: 'sigmoid',
  sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
};

describe('safetensors', () => {
  it('round-trips tensors and metadata, data 8-byte aligned', () => {
    const a = Float32Array.of(1, -2.5, 3e-8, Number.POSITIVE_INFINITY);
    const bytes = encodeSafetensors(
      { a: { shape: [2, 2], data: a }, b: { shape: [1], data: Float32Array.of(7) } },
      { format: 'pt' },
    );
    const headLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headLen) % 8).toBe(0);
    const d = decodeSafetensors(bytes);
    expect(d.tensors.a.shape).toEqual([2, 2]);
    expect([...d.tensors.a.data]).toEqual([...a]);
    expect([...d.tensors.b.data]).toEqual([7]);
    expect(d.metadata).toEqual({ format: 'pt' });
  });
  it('reads a file written by another writer: F64 and F16 tensors (hand-built bytes)', () => {
    const header = JSON.stringify({
      x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] },
      h: { dtype: 'F16', shape: [2], data_offsets: [16, 20] },
    });
    const head = new TextEncoder().encode(header);
    const buf = new Uint8Array(8 + head.length + 20);
    const v = new DataView(buf.buffer);
    v.setBigUint64(0, BigInt(head.length), true);
    buf.set(head, 8);
    v.setFloat64(8 + head.length, 0.1, true);
    v.setFloat64(8 + head.length + 8, -3, true);
    v.setUint16(8 + head.length + 16, 0x3c00, true); // 1.0 in half precision
    v.setUint16(8 + head.length + 18, 0xc000, true); // -2.0
    const d = decodeSafetensors(buf);
    expect(d.tensors.x.data[0]).toBeCloseTo(0.1, 7);
    expect([...d.tensors.h.data]).toEqual([1, -2]);
  });
  it('names what is wrong with a truncated or corrupt file', () => {
    const good = encodeSafetensors({ a: { shape: [4], data: new Float32Array(4) } });
    expect(() => decodeSafetensors(good.subarray(0, 5), 'w.safetensors')).toThrow(
      /w.safetensors: truncated: 5 bytes/,
    );
    expect(() => decodeSafetensors(good.subarray(0, good.length - 3), 'w')).toThrow(
      /w: truncated: tensor "a" ends at byte 16, the data has 13/,
    );
    const bad = good.slice();
    bad[8] = 0x7b + 1; // break the JSON
    expect(() => decodeSafetensors(bad, 'w')).toThrow(/w: corrupt header/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => decodeSafetensors(huge, 'w')).toThrow(/header length .* exceeds the file/);
  });
});

describe('checkpoints', () => {
  it('save and load round-trip config and parameters, atomically (no temp files left)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saekit-ckpt-'));
    const params = initParams(config, new Rng(3));
    await saveCheckpoint(dir, config, params);
    expect((await readdir(dir)).sort()).toEqual(['cfg.json', 'sae_weights.safetensors']);
    const back = await loadCheckpoint(dir);
    expect(back.config).toEqual(config);
    expect([...back.params.W_enc]).toEqual([...params.W_enc]);
    const cfg = JSON.parse(await readFile(join(dir, 'cfg.json'), 'utf8'));
    expect(cfg).toMatchObject({ d_in: 6, d_sae: 4, architecture: 'standard', dtype: 'float32' });
  });
  it('reads a SAELens-style cfg.json (no saekit key) as a ReLU / linear-decoder SAE', () => {
    expect(
      configFromJson({ d_in: 8, d_sae: 32, architecture: 'topk', activation_fn_kwargs: { k: 4 } }),
    ).toEqual({
      inputDim: 8,
      hiddenDim: 32,
      encoder: 'topk',
      decoder: 'identity',
      sparsity: { kind: 'none' },
      k: 4,
    });
    expect(() => configFromJson({ d_in: 8, d_sae: 32, apply_b_dec_to_input: true })).toThrow(
      /apply_b_dec_to_input/,
    );
    expect(() => configFromJson({ foo: 1 }, 'x/cfg.json')).toThrow(/x\/cfg.json: neither a saekit config/);
  });
  it('clear errors: missing directory, bad JSON, weights of the wrong shape', async () => {
    await expect(loadCheckpoint('/nonexistent/run')).rejects.toThrow(/cfg.json: not found/);
    const dir = await mkdtemp(join(tmpdir(), 'saekit-ckpt-'));
    await writeFile(join(dir, 'cfg.json'), '{ nope');
    await expect(loadCheckpoint(dir)).rejects.toThrow(/cfg.json: not valid JSON/);
    await saveCheckpoint(dir, config, initParams(config, new Rng(1)));
    await writeFile(join(dir, 'cfg.json'), JSON.stringify({ saekit: { ...config, hiddenDim: 5 } }));
    await expect(loadCheckpoint(dir)).rejects.toThrow(
      /sae_weights.safetensors: tensor "W_enc" has shape \[6,4\], the config needs \[6,5\]/,
    );
  });
});
