import { readFileSync } from 'node:fs';
import { encodeSafetensors } from '@saekit/core';
import { loadCheckpoint } from '@saekit/core/node';
import { describe, expect, it } from 'vitest';
import { inputsFor } from '../src/view/analysis.js';
import { loadRunFromFiles } from '../src/view/run-files.js';

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
});
