import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildForwardGraph,
  buildTrainStep,
  initParams,
  PARAM_NAMES,
  Rng,
  rowWeights,
  type SaeConfig,
  type SaeParams,
  SEED_CONFIG,
} from '@saekit/core';
import { compareTensors, formatComparisons } from '@saekit/core/testing';
import { loadMnist } from '@saekit/datasets';
import { dataForTests } from '@saekit/test-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeModel,
  encodeModelProto,
  exportSae,
  IR_VERSION_OF_OPSET,
  MAX_OPSET,
  metadataValue,
  OnnxSaeModel,
  PACKAGE_VERSION,
  readFloatTensor,
  type ValueInfoProto,
  writeOnnxFile,
} from '../src/index.js';
import { cpu, runOnce, SMALL } from './helpers.js';

const MNIST_DIR = dataForTests(
  'mnist',
  [17, MAX_OPSET].map(
    (o) => `backend-onnx: an exported encoder agrees with the CPU backend on MNIST (opset ${o})`,
  ),
);
const tmp = mkdtempSync(join(tmpdir(), 'saekit-onnx-export-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** CPU-backend forward pass of n examples: hidden and recon. */
async function cpuForward(c: SaeConfig, params: SaeParams, x: Float32Array, n: number) {
  return runOnce(cpu, buildForwardGraph(c, n), { x }, { ...params });
}

describe('exported model, decoded with the protobuf schema', () => {
  const params = initParams(SMALL, new Rng(0));
  for (const [opset, ir] of [
    [17, 8],
    [MAX_OPSET, 13],
  ]) {
    it(`opset ${opset}: ir_version ${ir}, opset_import, dynamic batch, names, initializers, metadata`, () => {
      const bytes = exportSae(SMALL, params, { part: 'autoencoder', opset, producerVersion: '9.9.9-test' });
      const m = decodeModel(bytes);
      expect(m.ir_version).toBe(ir);
      expect(m.ir_version).toBe(IR_VERSION_OF_OPSET[opset]);
      expect(m.opset_import).toEqual([{ domain: '', version: opset }]);
      expect(m.producer_name).toBe('saekit');
      expect(m.producer_version).toBe('9.9.9-test');
      const g = m.graph!;
      expect(g.input!.map((v) => v.name)).toEqual(['input']);
      expect(g.output!.map((v) => v.name)).toEqual(['reconstruction', 'latents']);
      const dims = (v: ValueInfoProto) => v.type!.tensor_type!.shape!.dim!;
      expect(g.input![0].type!.tensor_type!.elem_type).toBe(1);
      expect(dims(g.input![0])).toEqual([{ dim_param: 'batch' }, { dim_value: 13 }]);
      expect(dims(g.output![0])).toEqual([{ dim_param: 'batch' }, { dim_value: 13 }]);
      expect(dims(g.output![1])).toEqual([{ dim_param: 'batch' }, { dim_value: 5 }]);
      const inits = Object.fromEntries(g.initializer!.map((t) => [t.name, t]));
      for (const p of PARAM_NAMES) {
        expect(inits[p].raw_data, `${p} is stored as raw_data`).toBeInstanceOf(Uint8Array);
        expect(readFloatTensor(inits[p])).toEqual(params[p]);
      }
      expect(inits.W_enc.dims).toEqual([13, 5]);
      expect(JSON.parse(metadataValue(m, 'saekit.config')!)).toEqual(SMALL);
      expect(metadataValue(m, 'saekit.part')).toBe('autoencoder');
      // Every field we write is in the schema: re-encoding the decoded model gives the same bytes.
      expect(encodeModelProto(m)).toEqual(bytes);
    });
  }

  it('the encoder part holds only the encoder parameters; producer_version defaults to the package version', () => {
    const m = decodeModel(exportSae(SMALL, params, { part: 'encoder' }));
    expect(m.ir_version).toBe(8);
    expect(m.producer_version).toBe(PACKAGE_VERSION);
    expect(m.graph!.output!.map((v) => v.name)).toEqual(['latents']);
    expect(m.graph!.initializer!.map((t) => t.name).filter((n) => PARAM_NAMES.includes(n as never))).toEqual([
      'W_enc',
      'b_enc',
    ]);
    // The bias rides in Gemm's C input.
    expect(m.graph!.node!.map((n) => n.op_type)).toEqual(['Gemm', 'Relu']);
  });

  it('refuses a bad opset, parameters of the wrong size and reserved metadata keys', () => {
    expect(() => exportSae(SMALL, params, { part: 'encoder', opset: 16 })).toThrow(
      /opset 16 is not supported/,
    );
    expect(() => exportSae(SMALL, params, { part: 'encoder', opset: 27 })).toThrow(/17 to 26/);
    expect(() => exportSae(SMALL, { ...params, b_enc: new Float32Array(4) }, { part: 'encoder' })).toThrow(
      /b_enc/,
    );
    expect(() => exportSae(SMALL, params, { part: 'encoder', metadata: { 'saekit.part': 'x' } })).toThrow(
      /reserved/,
    );
    expect(() => exportSae(SMALL, params, { part: 'decoder' as 'encoder' })).toThrow(/part/);
  });
});

describe('exported models run at any batch size', () => {
  const c: SaeConfig = {
    ...SMALL,
    hiddenDim: 8,
    encoder: 'topk',
    k: 3,
    decoder: 'identity',
    sparsity: { kind: 'l1', weight: 0.01 },
  };
  const params = initParams(c, new Rng(5));
  for (const part of ['encoder', 'autoencoder'] as const) {
    it(`${part} (topk): batches of 1, 2, 7 and 300 (in chunks of 64) agree with the CPU backend`, async () => {
      const model = await OnnxSaeModel.load(exportSae(c, params, { part }), { maxBatch: 64 });
      expect(model.part).toBe(part);
      expect(model.config).toEqual(c);
      for (const n of [1, 2, 7, 300]) {
        const x = new Rng(n).uniformArray(n * c.inputDim, -1, 1);
        const want = await cpuForward(c, params, x, n);
        const cs = [
          compareTensors(`latents n=${n}`, await model.encode(x, n), want.hidden, { atol: 1e-5, rtol: 0 }),
        ];
        if (part === 'autoencoder') {
          cs.push(
            compareTensors(`reconstruction n=${n}`, await model.reconstruct(x, n), want.recon, {
              atol: 1e-5,
              rtol: 0,
            }),
          );
        }
        expect(
          cs.filter((k) => !k.pass),
          formatComparisons(cs),
        ).toEqual([]);
      }
      expect(await model.encode(new Float32Array(0), 0)).toEqual(new Float32Array(0));
      await model.dispose();
    });
  }
});

describe.skipIf(!MNIST_DIR)(
  'an exported encoder agrees with the CPU backend on the first 1000 MNIST test images',
  () => {
    let test: { x: Float32Array; n: number };
    let params: SaeParams;
    const N = 1000;

    beforeAll(async () => {
      const mnist = await loadMnist({ name: 'mnist', dir: MNIST_DIR });
      test = { x: mnist.test.x.subarray(0, N * 784), n: N };
      // A few Adam steps on the CPU backend, so the weights are trained ones, not the initial draw.
      const B = 128;
      const step = buildTrainStep(SEED_CONFIG, B, { kind: 'adam', lr: 1e-3 });
      const exe = await cpu.compile(step.graph, {
        state: step.initialState(initParams(SEED_CONFIG, new Rng(0))),
      });
      const w = rowWeights(new Float32Array(B), B);
      for (let i = 0; i < 5; i++)
        await exe.run({ x: mnist.train.x.subarray(i * B * 784, (i + 1) * B * 784), w });
      params = Object.fromEntries(
        await Promise.all(PARAM_NAMES.map(async (p) => [p, await exe.readState(p)])),
      ) as SaeParams;
      exe.dispose();
    });

    for (const opset of [17, MAX_OPSET]) {
      it(`opset ${opset}, through a file written with writeOnnxFile`, async () => {
        const path = join(tmp, `mnist-encoder-${opset}.onnx`);
        await writeOnnxFile(path, exportSae(SEED_CONFIG, params, { part: 'encoder', opset }));
        const model = await OnnxSaeModel.load(path);
        expect(model.opset).toBe(opset);
        const got = await model.encode(test.x, N);
        const want = (await cpuForward(SEED_CONFIG, params, test.x, N)).hidden;
        const c = compareTensors(`latents opset ${opset}`, got, want, { atol: 1e-5, rtol: 0 });
        expect(c.pass, formatComparisons([c])).toBe(true);
        expect(
          want.some((v) => v > 0.1),
          'the encoder is not trivially zero',
        ).toBe(true);
        await model.dispose();
      });
    }
  },
);

describe('writeOnnxFile', () => {
  it('writes atomically (no temporary file left), creates the directory and replaces an existing file', async () => {
    const dir = join(tmp, 'nested', 'dir');
    const path = join(dir, 'model.onnx');
    await writeOnnxFile(path, Uint8Array.of(1, 2, 3));
    await writeOnnxFile(path, Uint8Array.of(4, 5));
    expect([...readFileSync(path)]).toEqual([4, 5]);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
  });
});
