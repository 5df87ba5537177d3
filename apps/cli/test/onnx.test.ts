import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '@saekit/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { saekit } from './run.js';

let run: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saekit-onnx-'));
  run = join(dir, 'run');
  const r = saekit(
    'train',
    '--limit',
    '1000',
    '--epochs',
    '1',
    '--hidden',
    '24',
    '--no-report',
    '--quiet',
    '--out',
    run,
  );
  expect(r.code, r.stderr).toBe(0);
});

describe('saekit export / encode', () => {
  it('exports the encoder and encodes a dataset with it into a safetensors file of latents', async () => {
    const onnx = join(dir, 'enc.onnx');
    const e = saekit('export', '--model', run, '--onnx', onnx, '--part', 'encoder', '--opset', '21');
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/wrote encoder \(64 -> 24, opset 21/);
    const out = join(dir, 'latents.safetensors');
    const r = saekit('encode', '--onnx', onnx, '--input', 'synthetic', '--limit', '300', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const { tensors } = decodeSafetensors(new Uint8Array(await readFile(out)));
    expect(tensors.latents.shape).toEqual([300, 24]);
    expect(tensors.latents.data.some((v) => v > 0)).toBe(true);
    expect(tensors.latents.data.every((v) => v >= 0)).toBe(true); // ReLU latents
  });

  it('a truncated or garbage .onnx file is a clear error, not a crash', async () => {
    const onnx = join(dir, 'enc2.onnx');
    expect(saekit('export', '--model', run, '--onnx', onnx).code).toBe(0);
    const bytes = await readFile(onnx);
    const cut = join(dir, 'cut.onnx');
    await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const garbage = join(dir, 'garbage.onnx');
    await writeFile(garbage, 'this is not a model');
    for (const f of [cut, garbage]) {
      const r = saekit('encode', '--onnx', f, '--input', 'synthetic', '--limit', '10');
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/^saekit: error: not a valid ONNX model: .*\.onnx/);
    }
    const missing = saekit('encode', '--onnx', join(dir, 'nope.onnx'), '--input', 'synthetic');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope\.onnx/);
  });

  it('export options are checked: an opset out of range is a usage error', () => {
    const r = saekit('export', '--model', run, '--onnx', join(dir, 'x.onnx'), '--opset', '30');
    expect(r.code).toBe(2);
  });
});
