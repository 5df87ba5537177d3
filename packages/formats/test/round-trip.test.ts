import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { floatToBf16Bits, floatToF16Bits, initParams, Rng, type SaeConfig } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import {
  fromSaekit,
  LazySafetensors,
  type LoadedSae,
  loadSae,
  memoryFiles,
  memorySource,
  saeLensFiles,
  sparsifyFiles,
  toSaekit,
} from '../src/index.js';
import { loadSaePath } from '../src/node/index.js';
import { CASES, FIXTURES, latentsOf, maxAbsDiff } from './helpers.js';

const FIXTURE_NAMES = readdirSync(FIXTURES).filter((f) => !f.endsWith('.json'));

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

function expectSameParams(a: LoadedSae, b: LoadedSae): void {
  expect(Object.keys(b.params).sort()).toEqual(Object.keys(a.params).sort());
  for (const [name, t] of Object.entries(a.params)) {
    const u = b.params[name as keyof typeof b.params];
    expect(u?.shape, name).toEqual(t?.shape);
    expect(bitsOf(u?.data as Float32Array), name).toEqual(bitsOf(t?.data as Float32Array));
  }
}

describe('saekit -> SAELens files -> saekit is exact', () => {
  const configs: SaeConfig[] = [
    {
      inputDim: 7,
      hiddenDim: 12,
      encoder: 'relu',
      decoder: 'identity',
      sparsity: { kind: 'l1', weight: 0.01 },
    },
    { inputDim: 5, hiddenDim: 9, encoder: 'topk', decoder: 'identity', sparsity: { kind: 'none' }, k: 3 },
  ];
  it.each(configs)('$encoder', async (config) => {
    const params = initParams(config, new Rng(7));
    for (let i = 0; i < params.b_enc.length; i++) params.b_enc[i] = (i % 3) - 1.25;
    const files = saeLensFiles(fromSaekit(config, params));
    const back = toSaekit(await loadSae(memoryFiles(files)));
    expect(back.config).toEqual({ ...config, sparsity: { kind: 'none' } });
    for (const n of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const)
      expect(bitsOf(back.params[n])).toEqual(bitsOf(params[n]));
    const cfg = JSON.parse(new TextDecoder().decode(files['cfg.json']));
    // What SAELens 6 reads: its own field names, and b_dec not subtracted (saekit's encoder does not).
    expect(cfg).toMatchObject({
      architecture: config.encoder === 'topk' ? 'topk' : 'standard',
      d_in: config.inputDim,
      apply_b_dec_to_input: false,
    });
  });
  it('a sigmoid decoder has no SAELens counterpart', () => {
    const c: SaeConfig = {
      inputDim: 4,
      hiddenDim: 5,
      encoder: 'relu',
      decoder: 'sigmoid',
      sparsity: { kind: 'none' },
    };
    expect(() => fromSaekit(c, initParams(c, new Rng(1)))).toThrow(
      /sigmoid decoder: no SAELens architecture/,
    );
  });
});

describe('every fixture -> SAELens files -> loaded again is exact', () => {
  it.each(FIXTURE_NAMES)('%s', async (name) => {
    const a = await loadSaePath(join(FIXTURES, name), CASES.options[name]);
    const b = await loadSae(memoryFiles(saeLensFiles(a)));
    expect(b.architecture).toBe(a.architecture);
    expect(b.forward).toEqual(a.forward);
    expect([b.dIn, b.dSae, b.dOut]).toEqual([a.dIn, a.dSae, a.dOut]);
    expectSameParams(a, b);
    expect(maxAbsDiff(latentsOf(b, CASES.inputs), CASES.latents[name])).toBeLessThan(1e-6);
  });
});

describe('sparsify written and read back', () => {
  it.each(['sparsify', 'saelens-pre6-topk'])('%s keeps its latents', async (name) => {
    const a = await loadSaePath(join(FIXTURES, name));
    const b = await loadSae(memoryFiles(sparsifyFiles(a)));
    expect(b.format).toBe('sparsify');
    expect(maxAbsDiff(latentsOf(b, CASES.inputs), CASES.latents[name])).toBeLessThan(1e-5);
    if (a.forward.applyBDecToInput) expectSameParams(a, b);
  });
  it('refuses what sparsify cannot hold', async () => {
    const a = await loadSaePath(join(FIXTURES, 'saelens-gated'));
    expect(() => sparsifyFiles(a)).toThrow(/cannot write a gated SAE \(sparsify holds TopK SAEs only\)/);
    const t = await loadSaePath(join(FIXTURES, 'saelens-topk'));
    expect(() => sparsifyFiles(t)).toThrow(/rescale_acts_by_decoder_norm/);
  });
});

describe('F16 / BF16 written on request', () => {
  // Values from the hand-checked table in core's float16 test, with the bits they must become.
  const values = Float32Array.from([
    1,
    -2,
    65520,
    2 ** -24,
    3 * 2 ** -25,
    1 + 3 * 2 ** -11,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
  ]);
  const f16 = [0x3c00, 0xc000, 0x7c00, 0x0001, 0x0002, 0x3c02, 0xfc00, 0x7e00];
  const bf16 = [0x3f80, 0xc000, 0x4780, 0x3380, 0x33c0, 0x3f80, 0xff80, 0x7fc0];
  it.each([
    ['F16', f16, floatToF16Bits],
    ['BF16', bf16, floatToBf16Bits],
  ] as const)("%s bits in the file are the table's", async (dtype, want, toBits) => {
    expect(Array.from(values, (v) => toBits(v))).toEqual(want);
    const sae = await loadSaePath(join(FIXTURES, 'saelens-standard'));
    const bDec = { shape: [6], data: values.subarray(0, 6) };
    const files = saeLensFiles({ ...sae, params: { ...sae.params, b_dec: bDec } }, dtype);
    const st = await LazySafetensors.open(memorySource(files['sae_weights.safetensors']));
    expect(st.dtype('b_dec')).toBe(dtype);
    const file = files['sae_weights.safetensors'];
    const raw = file.subarray(8 + headerLen(file) + (st.entry('b_dec')?.begin ?? Number.NaN));
    const bits = Array.from({ length: 6 }, (_, i) => raw[2 * i] | (raw[2 * i + 1] << 8));
    expect(bits).toEqual(want.slice(0, 6));
    expect(JSON.parse(new TextDecoder().decode(files['cfg.json'])).dtype).toBe(
      dtype === 'F16' ? 'float16' : 'bfloat16',
    );
  });
});

function headerLen(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
}
