/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header naming each
 * tensor's dtype, shape and byte range, then the raw little-endian data. Read and written here
 * for F32 (F64 and F16 are read and converted), the layout SAELens and Hugging Face use.
 */
export interface NamedTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function encodeSafetensors(
  tensors: Readonly<Record<string, NamedTensor>>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new SafetensorsError(`safetensors: "${name}" has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned.
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const name of names) {
    const d = tensors[name].data;
    if (LITTLE_ENDIAN) out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    else for (let i = 0; i < d.length; i++) view.setFloat32(pos + i * 4, d[i], true);
    pos += d.byteLength;
  }
  return out;
}

export interface DecodedSafetensors {
  readonly tensors: Record<string, NamedTensor>;
  readonly metadata: Record<string, string>;
}

export function decodeSafetensors(bytes: Uint8Array, source = 'safetensors'): DecodedSafetensors {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${source}: ${msg}`);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, not even the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headLen = Number(view.getBigUint64(0, true));
  if (headLen > bytes.length - 8)
    fail(`truncated or corrupt: header length ${headLen} exceeds the file (${bytes.length} bytes)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headLen)));
  } catch (e) {
    return fail(`corrupt header: ${(e as Error).message}`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header))
    fail('corrupt header: not a JSON object');
  const dataStart = 8 + headLen;
  const dataLen = bytes.length - dataStart;
  const tensors: Record<string, NamedTensor> = {};
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    const {
      dtype,
      shape,
      data_offsets: off,
    } = info as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!Array.isArray(shape) || !Array.isArray(off) || off.length !== 2)
      fail(`tensor "${name}": missing shape or data_offsets`);
    const n = shape.reduce((a, b) => a * b, 1);
    const width =
      dtype === 'F32'
        ? 4
        : dtype === 'F64'
          ? 8
          : dtype === 'F16'
            ? 2
            : fail(`tensor "${name}": dtype ${dtype} is not supported (F32, F64, F16)`);
    if (off[1] - off[0] !== n * width)
      fail(`tensor "${name}": ${off[1] - off[0]} bytes for ${dtype} [${shape}] (needs ${n * width})`);
    if (off[0] < 0 || off[1] > dataLen)
      fail(`truncated: tensor "${name}" ends at byte ${off[1]}, the data has ${dataLen}`);
    const data = new Float32Array(n);
    const base = dataStart + off[0];
    for (let i = 0; i < n; i++) {
      data[i] =
        width === 4
          ? view.getFloat32(base + 4 * i, true)
          : width === 8
            ? view.getFloat64(base + 8 * i, true)
            : half(view.getUint16(base + 2 * i, true));
    }
    tensors[name] = { shape, data };
  }
  return { tensors, metadata };
}

function half(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? Number.NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}
