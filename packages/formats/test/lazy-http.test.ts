import { createWriteStream } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LazySafetensors, loadSae, urlFiles, urlSource } from '../src/index.js';
import { fileSource } from '../src/node/index.js';
import { CASES, FIXTURES, latentsOf, maxAbsDiff } from './helpers.js';

// W_dec [D_SAE, D_IN] F32 = 100 MB, then b_dec; value (r, c) = r * 1e-3 + c (exact in float32 for these r, c).
const D_SAE = 25_600;
const D_IN = 1024;
const value = (r: number, c: number): number => Math.fround(r * 1e-3 + c);

let dir: string;
let path: string;
let server: Server;
let base: string;
let sent = 0;
let headerLength = 0;
let requests: string[] = [];

/** Writes the file; returns its header's length. */
async function writeBigFile(file: string): Promise<number> {
  const header = {
    W_dec: { dtype: 'F32', shape: [D_SAE, D_IN], data_offsets: [0, D_SAE * D_IN * 4] },
    b_dec: { dtype: 'F32', shape: [D_IN], data_offsets: [D_SAE * D_IN * 4, (D_SAE + 1) * D_IN * 4] },
  };
  let text = JSON.stringify(header);
  while ((8 + text.length) % 8) text += ' ';
  const out = createWriteStream(file);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(text.length));
  out.write(len);
  out.write(text);
  const rows = 256;
  for (let r0 = 0; r0 <= D_SAE; r0 += rows) {
    const n = Math.min(rows, D_SAE + 1 - r0);
    const chunk = new Float32Array(n * D_IN);
    for (let r = 0; r < n; r++) for (let c = 0; c < D_IN; c++) chunk[r * D_IN + c] = value(r0 + r, c);
    if (!out.write(Buffer.from(chunk.buffer)))
      await new Promise<void>((res) => out.once('drain', () => res()));
  }
  await new Promise<void>((res, rej) => out.end((e?: Error | null) => (e ? rej(e) : res())));
  return text.length;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saekit-formats-'));
  path = join(dir, 'sae_weights.safetensors');
  headerLength = await writeBigFile(path);
  const fh = await open(path, 'r');
  const size = (await fh.stat()).size;
  // A minimal static server with byte ranges; it counts the body bytes it sends.
  server = createServer(async (req, res) => {
    requests.push(req.headers.range ?? '(none)');
    const fixture = /^\/fixtures\/([\w-]+(?:\/[\w.-]+)+)$/.exec(req.url ?? '');
    const small = fixture ? await readFile(join(FIXTURES, fixture[1])).catch(() => undefined) : undefined;
    if (req.url !== '/sae/sae_weights.safetensors' && !small) {
      res.writeHead(404).end();
      return;
    }
    const total = small ? small.length : size;
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    if (!m) {
      res.writeHead(416).end();
      return;
    }
    const start = Number(m[1]);
    const end = Math.min(Number(m[2]), total - 1);
    const body = small ? small.subarray(start, end + 1) : Buffer.alloc(end - start + 1);
    if (!small) await fh.read(body, 0, body.length, start);
    sent += body.length;
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${total}`, 'Content-Length': body.length });
    res.end(body);
  });
  server.on('close', () => void fh.close());
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sae`;
});

afterAll(async () => {
  await new Promise((res) => server?.close(res));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('lazy safetensors over HTTP Range requests', () => {
  it('reads one decoder row of a 100 MB file with under 64 KB transferred', async () => {
    sent = 0;
    requests = [];
    const files = urlFiles(base);
    const src = await files.open('sae_weights.safetensors');
    expect(src).toBeDefined();
    const st = await LazySafetensors.open(src as NonNullable<typeof src>);
    const row = await st.row('W_dec', 12_345);
    expect(row.length).toBe(D_IN);
    expect(row[0]).toBe(value(12_345, 0));
    expect(row[D_IN - 1]).toBe(value(12_345, D_IN - 1));
    expect(sent).toBeLessThan(64 * 1024);
    // Exactly: 1 byte to learn the size, the 8-byte length, the header, one row.
    expect(sent).toBe(1 + 8 + headerLength + D_IN * 4);
    expect(requests.every((r) => r.startsWith('bytes='))).toBe(true);
  });
  it.each(['saelens-gated', 'sparsify', 'llama-scope', 'gemma-scope'])(
    'loads the %s fixture folder from its URL',
    async (name) => {
      const host = base.replace(/\/sae$/, '');
      const s = await loadSae(urlFiles(`${host}/fixtures/${name}`));
      expect(maxAbsDiff(latentsOf(s, CASES.inputs), CASES.latents[name])).toBeLessThan(1e-6);
    },
  );
  it('a missing file is undefined, a server without ranges is refused', async () => {
    expect(await urlFiles(base).open('cfg.json')).toBeUndefined();
    const whole = urlSource(`${base}/sae_weights.safetensors`, {
      fetch: async () => new Response('x'.repeat(100), { status: 200 }),
    });
    await expect(whole.size()).rejects.toThrow(
      /HTTP 200 to a Range request \(the server does not serve byte ranges\)/,
    );
  });
});

describe('lazy safetensors from a file handle', () => {
  it('reads a row and a column (strided, coalesced) without reading the file', async () => {
    const src = fileSource(path);
    let read = 0;
    let calls = 0;
    const counting = {
      name: src.name,
      size: () => src.size(),
      read: (o: number, n: number) => {
        read += n;
        calls++;
        return src.read(o, n);
      },
    };
    try {
      const st = await LazySafetensors.open(counting);
      const row = await st.row('W_dec', D_SAE - 1);
      expect(row[7]).toBe(value(D_SAE - 1, 7));
      read = 0;
      calls = 0;
      const col = await st.column('W_dec', 5, { maxGap: 0 });
      expect(col.length).toBe(D_SAE);
      expect(col[0]).toBe(value(0, 5));
      expect(col[20_000]).toBe(value(20_000, 5));
      // One 4-byte read per row when no gap may be bridged.
      expect(read).toBe(D_SAE * 4);
      expect(calls).toBe(D_SAE);
      read = 0;
      calls = 0;
      const merged = await st.column('W_dec', 5, { maxGap: 1 << 13 });
      expect(Array.from(merged.subarray(0, 50))).toEqual(Array.from(col.subarray(0, 50)));
      expect(merged[D_SAE - 1]).toBe(col[D_SAE - 1]);
      // Coalesced: far fewer reads, each spanning many rows.
      expect(calls).toBeLessThan(D_SAE / 100);
    } finally {
      await src.close?.();
    }
  });
});
