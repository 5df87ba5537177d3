import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, initParams, input, Rng, relu } from '@saekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildModel,
  decodeModel,
  encodeModelProto,
  exportSae,
  InvalidOnnxModelError,
  lowerGraph,
  NotASaeModelError,
  OnnxSaeModel,
} from '../src/index.js';
import { SMALL } from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'saekit-onnx-session-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bytes = exportSae(SMALL, initParams(SMALL, new Rng(0)), { part: 'encoder' });

function file(name: string, data: Uint8Array): string {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
}

describe('OnnxSaeModel.load refuses bad files with a clear error naming the file', () => {
  it('a truncated file', async () => {
    const p = file('truncated.onnx', bytes.subarray(0, Math.floor(bytes.length / 2)));
    const err = await OnnxSaeModel.load(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOnnxModelError);
    expect((err as Error).message).toMatch(
      /^not a valid ONNX model: .*truncated\.onnx: protobuf decoding failed \(truncated or corrupt file\?\)/,
    );
  });

  it('a file truncated anywhere (every 7th cut) is refused, never crashes', async () => {
    for (let cut = 1; cut < bytes.length; cut += 7) {
      const err = await OnnxSaeModel.load(bytes.subarray(0, cut)).catch((e: unknown) => e);
      expect(err, `cut at ${cut} of ${bytes.length}`).toBeInstanceOf(Error);
      expect((err as Error).message, `cut at ${cut}`).toMatch(/^not a (valid|saekit) ONNX model: <bytes>: /);
    }
  });

  it('a garbage file', async () => {
    const garbage = new Rng(1).uniformArray(4096, 0, 256);
    const p = file('garbage.onnx', Uint8Array.from(garbage, Math.floor));
    const err = await OnnxSaeModel.load(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidOnnxModelError);
    expect((err as Error).message).toMatch(/^not a valid ONNX model: .*garbage\.onnx: /);
  });

  it('text, an empty file and a missing file', async () => {
    await expect(
      OnnxSaeModel.load(file('text.onnx', new TextEncoder().encode('hello, this is not a model\n'))),
    ).rejects.toThrow(/^not a valid ONNX model: .*text\.onnx/);
    await expect(OnnxSaeModel.load(file('empty.onnx', new Uint8Array(0)))).rejects.toThrow(
      /^not a valid ONNX model: .*empty\.onnx: the file is empty/,
    );
    await expect(OnnxSaeModel.load(join(tmp, 'missing.onnx'))).rejects.toThrow(
      /cannot read ONNX model .*missing\.onnx: ENOENT/,
    );
  });

  it('a valid ONNX model that onnxruntime refuses (IR version from the future)', async () => {
    const m = decodeModel(bytes);
    m.ir_version = 99;
    const p = file('future.onnx', encodeModelProto(m));
    await expect(OnnxSaeModel.load(p)).rejects.toThrow(
      /^not a valid ONNX model: .*future\.onnx: onnxruntime cannot load it: .*IR version/,
    );
  });

  it('a valid ONNX model that saekit did not export', async () => {
    const g = Graph.from({ outputs: { y: relu(input('x', [2, 3])) } });
    const p = file('foreign.onnx', encodeModelProto(buildModel(lowerGraph(g))));
    const err = await OnnxSaeModel.load(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotASaeModelError);
    expect((err as Error).message).toMatch(/^not a saekit ONNX model: .*foreign\.onnx: no "saekit.config"/);
  });
});

describe('OnnxSaeModel', () => {
  it('describes itself and checks its inputs', async () => {
    const m = await OnnxSaeModel.load(file('ok.onnx', bytes), { threads: 1 });
    expect(m.part).toBe('encoder');
    expect(m.config).toEqual(SMALL);
    expect(m.opset).toBe(17);
    expect(m.irVersion).toBe(8);
    expect(m.producer.name).toBe('saekit');
    await expect(m.encode(new Float32Array(12), 1)).rejects.toThrow(/12 values, 1 examples of 13 need 13/);
    await expect(m.encode(new Float64Array(13) as unknown as Float32Array, 1)).rejects.toThrow(
      /Float32Array/,
    );
    await expect(m.reconstruct(new Float32Array(13), 1)).rejects.toThrow(/is an encoder/);
    expect(await m.encode(new Float32Array(26), 2)).toHaveLength(10);
    await m.dispose();
    await expect(m.encode(new Float32Array(13), 1)).rejects.toThrow(/disposed/);
  });
});

describe('decodeModel', () => {
  it('refuses an initializer whose raw_data does not fill its dims', () => {
    const m = decodeModel(bytes);
    const w = m.graph!.initializer!.find((t) => t.name === 'W_enc')!;
    w.raw_data = w.raw_data!.subarray(0, 8);
    expect(() => decodeModel(encodeModelProto(m), 'bad.onnx')).toThrow(
      /^not a valid ONNX model: bad\.onnx: initializer "W_enc" \[13,5\] holds 8 bytes, not 260/,
    );
  });

  it('refuses a protobuf message that is not a model', () => {
    expect(() => decodeModel(Uint8Array.of(0x08, 0x01), 'tiny.onnx')).toThrow(
      /^not a valid ONNX model: tiny\.onnx: no opset_import/,
    );
    expect(() => decodeModel(Uint8Array.of(0x12, 0x01, 0x41), 'name.onnx')).toThrow(/no ir_version/);
  });
});
