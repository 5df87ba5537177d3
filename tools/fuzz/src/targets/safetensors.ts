import { decodeSafetensors, encodeSafetensors, type Rng, SafetensorsError } from '@saekit/core';
import { canonical, strictParse } from '../json-keys.js';
import { concat, pick, utf8, WEIRD_NUMBERS } from '../mutate.js';
import type { Reading, Target } from '../types.js';

/** The format's dtypes by size in bits, as the reference library lists them. */
const BY_BITS: Record<number, string[]> = {
  4: ['F4'],
  6: ['F6_E2M3', 'F6_E3M2'],
  8: ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0'],
  16: ['I16', 'U16', 'F16', 'BF16'],
  32: ['I32', 'U32', 'F32'],
  64: ['C64', 'F64', 'I64', 'U64'],
};
const BITS: Record<string, number> = Object.fromEntries(
  Object.entries(BY_BITS).flatMap(([bits, names]) => names.map((n) => [n, Number(bits)])),
);

/** A file from header text and data, with the header length given or true. */
function file(header: string, data: Uint8Array, lengthDelta = 0): Uint8Array {
  const head = utf8(header);
  const out = new Uint8Array(8 + head.length + data.length);
  const n = BigInt(head.length) + BigInt(lengthDelta);
  new DataView(out.buffer).setBigUint64(0, n < 0n ? 0n : n, true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

function seeds(): Uint8Array[] {
  const f = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + s) * 3);
  const f64 = new Uint8Array(new Float64Array([1.5, -2.25, 1e-40, 3]).buffer);
  const f16 = Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c);
  return [
    encodeSafetensors(
      { W_enc: { shape: [3, 4], data: f(12, 1) }, b_enc: { shape: [4], data: f(4, 2) } },
      { format: 'pt' },
    ),
    encodeSafetensors({ a: { shape: [2, 2], data: f(4, 3) }, z: { shape: [0], data: new Float32Array(0) } }),
    file(
      '{"d":{"dtype":"F64","shape":[4],"data_offsets":[0,32]},"h":{"dtype":"F16","shape":[2,2],"data_offsets":[32,40]}}',
      concat(f64, f16),
    ),
  ];
}

/** Headers with one thing wrong (or nothing), from the list of what the format forbids. */
function forge(rng: Rng): Uint8Array {
  const n = 1 + rng.int(3);
  const tensors: string[] = [];
  let off = 0;
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const dtype = rng.int(4) === 0 ? pick(rng, Object.keys(BITS)) : 'F32';
    const shape = [1 + rng.int(3), 1 + rng.int(3)];
    const bytes = Math.ceil((shape[0] * shape[1] * BITS[dtype]) / 8);
    let begin = String(off);
    let end = String(off + bytes);
    let name = `t${i}`;
    let shapeText = JSON.stringify(shape);
    const flaw = rng.int(14);
    if (flaw === 0) begin = pick(rng, WEIRD_NUMBERS);
    if (flaw === 1) end = pick(rng, WEIRD_NUMBERS);
    if (flaw === 2) begin = String(off + pick(rng, [-4, -1, 1, 4, 2 ** 53, 2 ** 60]));
    if (flaw === 3 && i > 0) name = `t${i - 1}`;
    if (flaw === 4) shapeText = `[${pick(rng, WEIRD_NUMBERS)},${shape[1]}]`;
    if (flaw === 5) shapeText = `[${2 ** 32},${2 ** 32},${2 ** 20}]`;
    if (flaw === 6) name = pick(rng, ['__proto__', 'constructor', '', '\\u0000', 'é']);
    tensors.push(`"${name}":{"dtype":"${dtype}","shape":${shapeText},"data_offsets":[${begin},${end}]}`);
    parts.push(Uint8Array.from({ length: bytes }, () => rng.int(256)));
    off += bytes;
  }
  const meta = pick(rng, [
    '',
    '"__metadata__":{"format":"pt"},',
    '"__metadata__":{"x":1},',
    '"__metadata__":null,',
    '"__metadata__":[],',
  ]);
  let header = `{${meta}${tensors.join(',')}}`;
  const pad = pick(rng, ['', ' ', '    ', '\n', '\t']);
  header = rng.int(20) === 0 ? `\uFEFF${header}` : rng.int(20) === 0 ? ` ${header}` : header + pad;
  let data = concat(...parts);
  if (rng.int(10) === 0) data = concat(data, Uint8Array.of(rng.int(256)));
  const delta = rng.int(8) === 0 ? pick(rng, [-5, -4, -3, -2, -1, 1, 2]) : 0;
  return file(header, data, delta);
}

/** An independent strict reading, following the reference library's validation. */
export function referenceSafetensors(b: Uint8Array): Reading {
  const no = (why: string): Reading => ({ ok: false, why });
  if (b.length < 8) return no('short');
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(b.length - 8) || n > 100_000_000n) return no('header length');
  const head = b.subarray(8, 8 + Number(n));
  if (head[0] !== 0x7b) return no('header start');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(head);
  } catch {
    return no('utf-8');
  }
  const parsed = strictParse(text);
  const doc = parsed?.value as Record<string, unknown> | undefined;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return no('json');
  const dataStart = 8 + Number(n);
  const list: { name: string; dtype: string; shape: number[]; s: number; e: number }[] = [];
  let metadata: unknown = {};
  const isCount = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  for (const [name, info] of Object.entries(doc)) {
    if (name === '__metadata__') {
      if (info === null) continue;
      if (typeof info !== 'object' || Array.isArray(info)) return no('metadata');
      if (!Object.values(info).every((v) => typeof v === 'string')) return no('metadata values');
      metadata = info;
      continue;
    }
    const t = info as Record<string, unknown> | null;
    if (!t || typeof t !== 'object' || Array.isArray(t)) return no('entry');
    if (Object.keys(t).sort().join() !== 'data_offsets,dtype,shape') return no('fields');
    const { dtype, shape, data_offsets: o } = t as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(BITS, dtype)) return no('dtype');
    if (!Array.isArray(shape) || !shape.every(isCount)) return no('shape');
    if (!Array.isArray(o) || o.length !== 2 || !o.every(isCount) || o[1] < o[0]) return no('offsets');
    const count = shape.reduce((a: bigint, d: number) => a * BigInt(d), 1n) * BigInt(BITS[dtype]);
    if (count % 8n !== 0n || count / 8n !== BigInt(o[1] - o[0])) return no('size');
    list.push({ name, dtype, shape, s: o[0], e: o[1] });
  }
  list.sort((x, y) => x.s - y.s || x.e - y.e);
  let at = 0;
  for (const t of list) {
    if (t.s !== at) return no('contiguity');
    at = t.e;
  }
  if (at !== b.length - dataStart) return no('data length');
  const tensors: Record<string, unknown> = {};
  for (const t of list) {
    const v = new DataView(b.buffer, b.byteOffset + dataStart + t.s, t.e - t.s);
    const width = t.dtype === 'F32' ? 4 : t.dtype === 'F64' ? 8 : t.dtype === 'F16' ? 2 : 0;
    if (!width) return no('unsupported dtype');
    const data = new Float32Array((t.e - t.s) / width);
    for (let i = 0; i < data.length; i++)
      data[i] =
        width === 4
          ? v.getFloat32(4 * i, true)
          : width === 8
            ? v.getFloat64(8 * i, true)
            : f16(v.getUint16(2 * i, true));
    Object.defineProperty(tensors, t.name, { value: { shape: t.shape, data }, enumerable: true });
  }
  return { ok: true, value: canonical({ tensors, metadata }) };
}

/** IEEE half to number through its float32 bit pattern (a different route from core's). */
function f16(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = (h & 0x8000) << 16;
  const u = new Uint32Array(1);
  const f = new Float32Array(u.buffer);
  if (exp === 0x1f) u[0] = sign | 0x7f800000 | (frac << 13);
  else if (exp === 0) return (h & 0x8000 ? -1 : 1) * frac * 2 ** -24;
  else u[0] = sign | ((exp - 15 + 127) << 23) | (frac << 13);
  return f[0];
}

export const safetensorsTarget: Target = {
  name: 'safetensors',
  seeds,
  forge: (rng) => forge(rng),
  read: async (b) => {
    const d = decodeSafetensors(b, 'fuzz.safetensors');
    return canonical({ tensors: d.tensors, metadata: d.metadata });
  },
  ownError: (e) => e instanceof SafetensorsError,
  reference: referenceSafetensors,
};
