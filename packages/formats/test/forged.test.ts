import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { type ByteSource, loadSae, memorySource, type SaeFiles } from '../src/index.js';
import { FIXTURES } from './helpers.js';

/** A fixture's files in memory, and how many bytes were read through each. */
function fixture(name: string): Record<string, Uint8Array> {
  const root = join(FIXTURES, name);
  const out: Record<string, Uint8Array> = {};
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else out[relative(root, p)] = new Uint8Array(readFileSync(p));
    }
  };
  walk(root);
  return out;
}

function counted(files: Record<string, Uint8Array>): { files: SaeFiles; read: Map<string, number> } {
  const read = new Map<string, number>();
  const wrap = (rel: string, src: ByteSource): ByteSource => ({
    name: src.name,
    size: () => src.size(),
    read: async (o, n) => {
      read.set(rel, (read.get(rel) ?? 0) + n);
      return src.read(o, n);
    },
  });
  return {
    read,
    files: {
      name: 'forged',
      open: (rel) =>
        Promise.resolve(
          Object.hasOwn(files, rel) ? wrap(rel, memorySource(files[rel], `forged/${rel}`)) : undefined,
        ),
    },
  };
}

function header(bytes: Uint8Array): { len: number; doc: Record<string, unknown> } {
  const len = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { len, doc: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len))) };
}

/** The file with its header replaced (data kept), padded to a multiple of 8 like the original. */
function withHeader(bytes: Uint8Array, edit: (doc: Record<string, unknown>) => void): Uint8Array {
  const { len, doc } = header(bytes);
  edit(doc);
  let text = JSON.stringify(doc);
  while ((8 + text.length) % 8) text += ' ';
  const head = new TextEncoder().encode(text);
  const out = new Uint8Array(8 + head.length + bytes.length - 8 - len);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(bytes.subarray(8 + len), 8 + head.length);
  return out;
}

/** The file rebuilt without tensor `name` (its bytes removed, the other offsets moved up). */
function withoutTensor(bytes: Uint8Array, name: string): Uint8Array {
  const { len, doc } = header(bytes);
  const data = bytes.subarray(8 + len);
  const kept = Object.entries(doc).filter(([k]) => k !== name && k !== '__metadata__') as [
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] },
  ][];
  const parts: Uint8Array[] = [];
  let at = 0;
  const next: Record<string, unknown> = {};
  for (const [k, v] of kept) {
    const [b, e] = v.data_offsets;
    parts.push(data.subarray(b, e));
    next[k] = { ...v, data_offsets: [at, at + e - b] };
    at += e - b;
  }
  let text = JSON.stringify(next);
  while ((8 + text.length) % 8) text += ' ';
  const shell = new Uint8Array(8 + text.length);
  new DataView(shell.buffer).setBigUint64(0, BigInt(text.length), true);
  shell.set(new TextEncoder().encode(text), 8);
  const out = new Uint8Array(shell.length + at);
  out.set(shell);
  let pos = shell.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

async function refused(files: Record<string, Uint8Array>, pattern: RegExp, weights: string): Promise<void> {
  const c = counted(files);
  const err = await loadSae(c.files).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(pattern);
  // Nothing past the header was read: the whole file never was.
  expect(c.read.get(weights) ?? 0).toBeLessThan(header(files[weights]).len + 8 + 1);
}

const SAFETENSORS_CASES: ReadonlyArray<readonly [string, string, string]> = [
  ['saelens-jumprelu-f16', 'sae_weights.safetensors', 'cfg.json'],
  ['sparsify', 'sae.safetensors', 'cfg.json'],
  ['llama-scope', 'checkpoints/final.safetensors', 'hyperparams.json'],
  ['gemma-scope-2', 'params.safetensors', ''],
];

describe.each(SAFETENSORS_CASES)('forged %s', (name, weights, config) => {
  it('a header length past the end of the file', async () => {
    const f = fixture(name);
    const bad = f[weights].slice();
    new DataView(bad.buffer).setBigUint64(0, 0xffff_ffff_ffffn, true);
    const c = counted({ ...f, [weights]: bad });
    await expect(loadSae(c.files)).rejects.toThrow(
      /forged\/.*safetensors: truncated or corrupt: header length \d+ exceeds the file/,
    );
    expect(c.read.get(weights)).toBe(8);
  });
  it('data offsets past the end of the file', async () => {
    const f = fixture(name);
    const bad = withHeader(f[weights], (doc) => {
      const last = Object.entries(doc)
        .filter(([k]) => k !== '__metadata__')
        .map(([, v]) => v as { data_offsets: number[]; shape: number[] })
        .sort((a, b) => b.data_offsets[1] - a.data_offsets[1])[0];
      last.data_offsets[1] += 1 << 30;
    });
    await refused(
      { ...f, [weights]: bad },
      /safetensors: tensor ".*": data_offsets .* hold \d+ bytes|truncated/,
      weights,
    );
  });
  it('a tensor missing', async () => {
    const f = fixture(name);
    const { doc } = header(f[weights]);
    const victim = Object.keys(doc).find((k) => k.includes('b_') || k.includes('bias')) as string;
    const err = await loadSae(counted({ ...f, [weights]: withoutTensor(f[weights], victim) }).files).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^forged\/.*safetensors: /);
    expect((err as Error).message).toContain(`"${victim}" is missing`);
  });
  if (config)
    it('shapes that disagree with the config', async () => {
      const f = fixture(name);
      const doc = JSON.parse(new TextDecoder().decode(f[config]));
      doc.d_sae = 9;
      if ('num_latents' in doc) doc.num_latents = 9;
      await refused(
        { ...f, [config]: new TextEncoder().encode(JSON.stringify(doc)) },
        /safetensors: tensor ".*" has shape \[.*\], (the config|cfg\.json|hyperparams\.json) .*needs \[.*9.*\]/,
        weights,
      );
    });
});

describe('forged Gemma Scope params.npz', () => {
  const npz = (): Record<string, Uint8Array> => unzipSync(fixture('gemma-scope')['params.npz']);
  it('an array missing', async () => {
    const { 'threshold.npy': _, ...rest } = npz();
    await expect(loadSae(counted({ 'params.npz': zipSync(rest, { level: 0 }) }).files)).rejects.toThrow(
      /forged\/params\.npz: tensor "threshold" is missing/,
    );
  });
  it('an array whose shape disagrees with W_enc', async () => {
    const arrays = npz();
    arrays['b_enc.npy'] = arrays['b_dec.npy'];
    await expect(loadSae(counted({ 'params.npz': zipSync(arrays, { level: 0 }) }).files)).rejects.toThrow(
      /forged\/params\.npz: tensor "b_enc" has shape \[6\], the config .* needs \[8\]/,
    );
  });
  it('a .npy header claiming more data than it holds', async () => {
    const arrays = npz();
    const npy = arrays['W_enc.npy'].slice();
    const at = new TextDecoder('latin1').decode(npy.subarray(0, 128)).indexOf('(6, 8)');
    expect(at).toBeGreaterThan(0);
    npy[at + 4] = '9'.charCodeAt(0);
    arrays['W_enc.npy'] = npy;
    await expect(loadSae(counted({ 'params.npz': zipSync(arrays, { level: 0 }) }).files)).rejects.toThrow(
      /forged\/params\.npz:W_enc\.npy: shape \[6,9\] of <f4 needs 216 bytes, the array holds 192/,
    );
  });
  it('a zip entry claiming a size the archive does not hold', async () => {
    const bytes = fixture('gemma-scope')['params.npz'].slice();
    // The central directory's uncompressed size of the first entry (offset 24 in its record).
    const view = new DataView(bytes.buffer);
    let cd = bytes.length - 22;
    while (view.getUint32(cd, true) !== 0x06054b50) cd--;
    const first = view.getUint32(cd + 16, true);
    view.setUint32(first + 24, 0x7fff_ffff, true);
    await expect(loadSae(counted({ 'params.npz': bytes }).files)).rejects.toThrow(
      /forged\/params\.npz: .*claims/,
    );
  });
  it('a truncated archive', async () => {
    const bytes = fixture('gemma-scope')['params.npz'];
    await expect(loadSae(counted({ 'params.npz': bytes.subarray(0, 700) }).files)).rejects.toThrow(
      /forged\/params\.npz: not a readable \.npz/,
    );
  });
});

describe('configs', () => {
  const cfgCase = async (edit: (d: Record<string, unknown>) => void, pattern: RegExp) => {
    const f = fixture('saelens-standard');
    const doc = JSON.parse(new TextDecoder().decode(f['cfg.json']));
    edit(doc);
    await expect(
      loadSae(counted({ ...f, 'cfg.json': new TextEncoder().encode(JSON.stringify(doc)) }).files),
    ).rejects.toThrow(pattern);
  };
  it.each([
    [
      (d: Record<string, unknown>) => (d.architecture = 'batchtopk'),
      /forged\/cfg\.json: architecture "batchtopk" .*saves batchtopk for inference as jumprelu/,
    ],
    [
      (d: Record<string, unknown>) => (d.normalize_activations = 'bogus'),
      /normalize_activations "bogus" is not supported/,
    ],
    [
      (d: Record<string, unknown>) => (d.normalize_activations = 'expected_average_only_in'),
      /needs the dataset norm scaling factor/,
    ],
    [
      (d: Record<string, unknown>) => (d.activation_fn = 'tanh-relu'),
      /activation_fn "tanh-relu" is not supported/,
    ],
    [
      (d: Record<string, unknown>) => (d.apply_b_dec_to_input = 'yes'),
      /apply_b_dec_to_input must be true or false/,
    ],
    [
      (d: Record<string, unknown>) => (d.finetuning_scaling_factor = true),
      /finetuning_scaling_factor=true is not supported/,
    ],
    [(d: Record<string, unknown>) => (d.reshape_activations = 'hook_q'), /reshape_activations "hook_q"/],
    [(d: Record<string, unknown>) => (d.d_in = 6.5), /d_in must be a positive integer/],
  ])('%#: a value saekit does not compute is an error naming the key', async (edit, pattern) => {
    await cfgCase(edit, pattern);
  });
  it('duplicate keys in cfg.json are refused', async () => {
    const f = fixture('saelens-standard');
    const text = new TextDecoder().decode(f['cfg.json']).replace('{', '{"d_in": 7,');
    await expect(
      loadSae(counted({ ...f, 'cfg.json': new TextEncoder().encode(text) }).files),
    ).rejects.toThrow(/duplicate key "d_in"/);
  });
  it('a folder of no known format says what it looked for', async () => {
    await expect(loadSae(counted({ 'x.bin': new Uint8Array(3) }).files)).rejects.toThrow(
      /forged: is not a known SAE folder: none of cfg\.json/,
    );
  });
});
