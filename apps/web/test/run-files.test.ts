import { readFileSync } from 'node:fs';
import { encodeF16, encodeSafetensors } from '@saekit/core';
import { loadCheckpoint } from '@saekit/core/node';
import { npyHeaderBytes } from '@saekit/datasets';
import { describe, expect, it } from 'vitest';
import { inputsFor } from '../src/view/analysis.js';
import { describeConfig, loadRunFromFiles } from '../src/view/run-files.js';

const RUN = new URL('./fixtures/tiny-run/', import.meta.url);
const file = (name: string, bytes?: Uint8Array | string): File =>
  new File(
    [typeof bytes === 'string' ? bytes : new Uint8Array(bytes ?? readFileSync(new URL(name, RUN)))],
    name,
  );
const checkpoint = () => [file('cfg.json'), file('sae_weights.safetensors')];

// The page's reading of picked or dropped files (no browser needed: Node has File).
describe('a run from files', () => {
  it('reads the checkpoint as Node does, and run.json', async () => {
    const run = await loadRunFromFiles([...checkpoint(), file('run.json')]);
    const want = await loadCheckpoint(new URL(RUN).pathname);
    expect(run.config).toEqual(want.config);
    expect(run.params.W_dec).toEqual(want.params.W_dec);
    expect(run.params.b_enc).toEqual(want.params.b_enc);
    expect([run.dataset, run.seed]).toEqual(['synthetic', 3]);
    expect(inputsFor(run)?.n).toBe(2000);
  });

  it('names a missing file', async () => {
    await expect(loadRunFromFiles([file('cfg.json')])).rejects.toThrow(
      /the 1 files given: no sae_weights\.safetensors/,
    );
  });

  it('names what is wrong in run.json', async () => {
    const bad = file('run.json', JSON.stringify({ dataset: 'synthetic', seed: 'three' }));
    await expect(loadRunFromFiles([...checkpoint(), bad])).rejects.toThrow(
      /run\.json: "seed" is not an integer/,
    );
  });

  it('takes inputs from a further safetensors file, or says why not', async () => {
    const x = Float32Array.from({ length: 3 * 64 }, (_, i) => i / 100);
    const good = encodeSafetensors({ acts: { shape: [3, 64], data: x } });
    const run = await loadRunFromFiles([...checkpoint(), file('acts.safetensors', good)]);
    const inputs = inputsFor(run);
    expect(inputs?.n).toBe(3);
    expect(inputs?.x).toEqual(x);
    const wide = encodeSafetensors({ acts: { shape: [2, 96], data: new Float32Array(192) } });
    await expect(loadRunFromFiles([...checkpoint(), file('wide.safetensors', wide)])).rejects.toThrow(
      /wide\.safetensors: inputs must be one 2-D F32 tensor \[n, 64\]; found 0 such among acts \[2, 96\]/,
    );
  });

  it('reads a modern (topk) run as Node does', async () => {
    const dir = new URL('./fixtures/tiny-modern-run/', import.meta.url);
    const files = ['cfg.json', 'sae_weights.safetensors', 'run.json'].map(
      (n) => new File([new Uint8Array(readFileSync(new URL(n, dir)))], n),
    );
    const run = await loadRunFromFiles(files);
    const want = await loadCheckpoint(new URL(dir).pathname);
    expect(run.config).toEqual(want.config);
    expect(run.params.W_enc).toEqual(want.params.W_enc);
    expect(describeConfig(run.config)).toBe('64 → 16 topk k=4');
  });

  it('takes inputs from a .npy (float32 or float16) and never from train_state.safetensors', async () => {
    const x = Float32Array.from({ length: 5 * 64 }, (_, i) => (i % 7) / 4 - 0.75);
    const npy = (dtype: 'f32' | 'f16', data: Uint8Array) => {
      const head = npyHeaderBytes(dtype, 5, 64);
      const out = new Uint8Array(head.length + data.length);
      out.set(head);
      out.set(data, head.length);
      return out;
    };
    const state = file('train_state.safetensors', encodeSafetensors({ s: { shape: [5, 64], data: x } }));
    const f32 = npy('f32', new Uint8Array(x.buffer));
    const run = await loadRunFromFiles([...checkpoint(), state, file('inputs.npy', f32)]);
    expect(run.inputs?.source).toBe('inputs.npy');
    expect(run.inputs?.x).toEqual(x);
    const bits = new Uint16Array(x.length);
    encodeF16(x, bits);
    const half = await loadRunFromFiles([
      ...checkpoint(),
      file('acts.npy', npy('f16', new Uint8Array(bits.buffer))),
    ]);
    expect(half.inputs?.x).toEqual(x); // quarters are exact in float16
    expect((await loadRunFromFiles([...checkpoint(), state])).inputs).toBeUndefined();
    const narrow = npy('f32', new Uint8Array(x.buffer)).slice(0, -4);
    await expect(loadRunFromFiles([...checkpoint(), file('inputs.npy', narrow)])).rejects.toThrow(
      /inputs\.npy: truncated/,
    );
  });
});
