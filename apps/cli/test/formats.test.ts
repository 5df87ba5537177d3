import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxSaeModel } from '@saekit/backend-onnx';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModelForCli } from '../src/sae-source.js';
import { saekit } from './run.js';

const FIXTURES = fileURLToPath(new URL('../../../packages/formats/fixtures', import.meta.url));
const CASES: {
  inputs: number[][];
  latents: Record<string, number[][]>;
  options: Record<string, { normScalingFactor?: number }>;
} = JSON.parse(await readFile(join(FIXTURES, 'latents.json'), 'utf8'));
const NAMES = Object.keys(CASES.latents);

async function runOnnx(file: string, rows: number[][]): Promise<number[][]> {
  const session = await ort.InferenceSession.create(file);
  try {
    const dim = rows[0].length;
    const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, dim]);
    const out = (await session.run({ input: x })).latents;
    const data = out.data as Float32Array;
    const width = out.dims[1] as number;
    return rows.map((_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
  } finally {
    await session.release();
  }
}

describe('saekit export --model takes every published format', () => {
  it.each(NAMES)('%s becomes an ONNX encoder giving its latents', async (name) => {
    const dir = await mkdtemp(join(tmpdir(), 'saekit-export-'));
    const onnx = join(dir, 'enc.onnx');
    const factor = CASES.options[name]?.normScalingFactor;
    const r = saekit(
      'export',
      '--model',
      join(FIXTURES, name),
      '--onnx',
      onnx,
      ...(factor ? ['--norm-scaling-factor', String(factor)] : []),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote (encoder|encoder of) /);
    const got = await runOnnx(onnx, CASES.inputs);
    const want = CASES.latents[name];
    for (let i = 0; i < want.length; i++)
      for (let j = 0; j < want[i].length; j++) expect(Math.abs(got[i][j] - want[i][j])).toBeLessThan(1e-5);
  });
  it("a saekit-computable SAE exports as saekit's own model, so saekit encode reads it", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saekit-export-'));
    const r = saekit('export', '--model', join(FIXTURES, 'saelens-pre6-topk'), '--onnx', join(dir, 'e.onnx'));
    expect(r.stdout).toMatch(/^wrote encoder \(6 -> 8, opset 17/);
    const model = await OnnxSaeModel.load(join(dir, 'e.onnx'));
    try {
      expect(model.config).toMatchObject({ encoder: 'topk', k: 2, inputDim: 6 });
      const got = await model.encode(Float32Array.from(CASES.inputs.flat()), CASES.inputs.length);
      expect(
        Math.max(...Array.from(got, (v, i) => Math.abs(v - CASES.latents['saelens-pre6-topk'].flat()[i]))),
      ).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });
  it('--part autoencoder of an SAE only its encoder graph covers is a usage error', () => {
    const r = saekit(
      'export',
      '--model',
      join(FIXTURES, 'saelens-gated'),
      '--onnx',
      '/nonexistent/x.onnx',
      '--part',
      'autoencoder',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--part autoencoder: .*saelens-gated is a gated SAE; only its encoder exports/);
  });
});

describe('saekit inspect and convert', () => {
  it('inspect prints format, architecture, sizes and dtype', () => {
    const r = saekit('inspect', join(FIXTURES, 'llama-scope'), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      format: 'llama-scope',
      architecture: 'jumprelu',
      d_in: 6,
      d_sae: 8,
      dtype: 'BF16',
    });
  });
  it('inspect of a forged folder names the file and the fault', () => {
    const r = saekit('inspect', join(FIXTURES, 'latents.json'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/latents\.json: not an SAE folder/);
  });
  it('convert to sparsify and back to SAELens keeps the latents; bf16 on request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saekit-convert-'));
    let r = saekit('convert', join(FIXTURES, 'sparsify'), join(dir, 'a'), '--to', 'saelens');
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(dir, 'a'))).sort()).toEqual(['cfg.json', 'sae_weights.safetensors']);
    r = saekit('convert', join(dir, 'a'), join(dir, 'b'), '--to', 'sparsify', '--dtype', 'bf16');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(saekit('inspect', join(dir, 'b'), '--json').stdout)).toMatchObject({
      format: 'sparsify',
      dtype: 'BF16',
      k: 3,
    });
    r = saekit('export', '--model', join(dir, 'b'), '--onnx', join(dir, 'b.onnx'));
    expect(r.code, r.stderr).toBe(0);
    const got = await runOnnx(join(dir, 'b.onnx'), CASES.inputs);
    // The sparsify fixture is stored in BF16 already: a BF16 round trip is exact.
    const want = CASES.latents.sparsify;
    for (let i = 0; i < want.length; i++)
      for (let j = 0; j < want[i].length; j++) expect(Math.abs(got[i][j] - want[i][j])).toBeLessThan(1e-5);
  });
  it('convert refuses a folder that is not empty, and what the target cannot hold', async () => {
    let r = saekit('convert', join(FIXTURES, 'sparsify'), FIXTURES, '--to', 'saelens');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not empty/);
    const dir = await mkdtemp(join(tmpdir(), 'saekit-convert-'));
    r = saekit('convert', join(FIXTURES, 'saelens-gated'), join(dir, 'x'), '--to', 'sparsify');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write a gated SAE \(sparsify holds TopK SAEs only\)/);
  });
});

describe('loadModelForCli (eval --model)', () => {
  it("a SAELens topk SAE is saekit's topk model", async () => {
    const { config } = await loadModelForCli(join(FIXTURES, 'saelens-pre6-topk'));
    expect(config).toMatchObject({ inputDim: 6, hiddenDim: 8, encoder: 'topk', k: 2 });
  });
  it("a JumpReLU SAE says what saekit's model lacks", async () => {
    await expect(loadModelForCli(join(FIXTURES, 'gemma-scope'))).rejects.toThrow(
      /gemma-scope: saekit's model does not compute architecture jumprelu/,
    );
  });
});
