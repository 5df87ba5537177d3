import { initParams, Rng } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import {
  AttributeType,
  decodeModel,
  encodeModelProto,
  exportSae,
  type ModelProto,
  NotASaeModelError,
  OnnxSaeModel,
} from '../src/index.js';
import { SMALL } from './helpers.js';

const params = initParams(SMALL, new Rng(0));
const bytes = exportSae(SMALL, params, { part: 'encoder' });

async function refused(src: Uint8Array, pattern: RegExp): Promise<void> {
  const err = await OnnxSaeModel.load(src).then(
    async (m) => {
      await m.dispose();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(NotASaeModelError);
  expect((err as Error).message).toMatch(/^not a saekit ONNX model: <bytes>: /);
  expect((err as Error).message).toMatch(pattern);
}

function edited(edit: (m: ModelProto) => void): Uint8Array {
  // A copy (exportSae returns a Buffer, whose slice() is a view): decoded bytes fields are views.
  const m = decodeModel(new Uint8Array(bytes));
  edit(m);
  return encodeModelProto(m);
}

describe('OnnxSaeModel.load checks the model against what saekit exports (each loaded before)', () => {
  it('an op changed by one bit flip (Relu -> Selu)', async () => {
    // op_type is NodeProto field 4 (tag 0x22), here 4 bytes long.
    const at = Buffer.from(bytes).indexOf(Buffer.from([0x22, 0x04, ...Buffer.from('Relu')])) + 2;
    expect(at).toBeGreaterThan(2);
    const flipped = new Uint8Array(bytes);
    flipped[at] ^= 0x01; // 'R' 0x52 -> 'S' 0x53
    await refused(
      flipped,
      /its graph is not what saekit exports for its config: node 1 is Selu where saekit has Relu/,
    );
  });

  it('NaN or infinite weights', async () => {
    await refused(
      edited((m) => {
        const w = m.graph!.initializer!.find((t) => t.name === 'W_enc')!;
        new DataView(w.raw_data!.buffer, w.raw_data!.byteOffset).setFloat32(8, Number.NaN, true);
      }),
      /initializer "W_enc" holds NaN at index 2; weights must be finite/,
    );
    await refused(
      edited((m) => {
        const b = m.graph!.initializer!.find((t) => t.name === 'b_enc')!;
        b.raw_data = undefined;
        b.float_data = [0, 0, Number.POSITIVE_INFINITY, 0, 0];
      }),
      /initializer "b_enc" holds Infinity at index 2/,
    );
  });

  it('a forged hiddenDim in the metadata does not size anything: shapes come from the graph', async () => {
    await refused(
      edited((m) => {
        const meta = m.metadata_props!.find((e) => e.key === 'saekit.config')!;
        meta.value = JSON.stringify({ ...SMALL, hiddenDim: 26_843_545_600 });
      }),
      /initializer "W_enc" has shape \[13,5\], the config in the metadata says \[13,26843545600\]/,
    );
  });

  it('dims that the data does not fill are refused before reading', async () => {
    await refused(
      edited((m) => {
        const b = m.graph!.initializer!.find((t) => t.name === 'b_enc')!;
        b.raw_data = undefined;
        b.float_data = [1, 2];
      }),
      /initializer "b_enc" \[5\] holds 2 values, not 5/,
    );
  });

  it('control flow (a Loop that may never end) is refused with the reason', async () => {
    await refused(
      edited((m) => {
        m.graph!.node!.push({
          op_type: 'Loop',
          input: ['', ''],
          output: ['looped'],
          attribute: [{ name: 'body', type: AttributeType.GRAPH, g: { name: 'body', node: [] } }],
        });
      }),
      /node Loop: control flow \(a subgraph\) is never part of a saekit model and may not terminate/,
    );
  });

  it('an extra node, a rewired input, another constant, a foreign domain', async () => {
    await refused(
      edited((m) => {
        m.graph!.node!.push({ op_type: 'Identity', input: ['latents'], output: ['x2'] });
      }),
      /3 nodes, expected 2|2 nodes, expected 1/,
    );
    await refused(
      edited((m) => {
        m.graph!.node![0].input = ['input', 'W_enc', 'W_enc'];
      }),
      /node 0 \(Gemm\) reads other values than saekit's/,
    );
    await refused(
      edited((m) => {
        m.graph!.node![0].attribute = [{ name: 'alpha', type: AttributeType.FLOAT, f: 2 }];
      }),
      /node 0 \(Gemm\) has other attributes than saekit's/,
    );
    await refused(
      edited((m) => {
        m.graph!.node![1].domain = 'com.microsoft';
      }),
      /node Relu is in domain "com.microsoft"/,
    );
    await refused(
      edited((m) => {
        m.graph!.initializer!.find((t) => t.name === 'b_enc')!.data_type = 6; // INT32, also 4 bytes
      }),
      /initializer "b_enc" has data_type 6, not FLOAT \(1\)/,
    );
  });

  it('still loads every part and encoder saekit exports, and encodes as before', async () => {
    const topk = { ...SMALL, encoder: 'topk' as const, k: 2 };
    for (const [c, part] of [
      [SMALL, 'encoder'],
      [SMALL, 'autoencoder'],
      [topk, 'encoder'],
      [topk, 'autoencoder'],
    ] as const) {
      for (const opset of [17, 26]) {
        const m = await OnnxSaeModel.load(exportSae(c, initParams(c, new Rng(1)), { part, opset }));
        expect(m.config).toEqual(c);
        const z = await m.encode(new Float32Array(13).fill(0.5), 1);
        expect(z).toHaveLength(5);
        expect(z.every((v) => v >= 0)).toBe(true);
        await m.dispose();
      }
    }
  });
});
