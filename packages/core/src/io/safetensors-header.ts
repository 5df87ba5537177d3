import { type JsonValue, parseStrictJson } from './strict-json.js';

/** A safetensors file that breaks the format; the message names the file and the rule. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
}

/** Bits per element of every dtype the format defines (sub-byte types pack several per byte). */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
});

/** The reference library's limit; a larger claimed header is refused before reading it. */
export const MAX_HEADER_BYTES = 100_000_000;

/** One tensor of the header; `begin`/`end` are byte offsets into the data section. */
export interface SafetensorsEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly begin: number;
  readonly end: number;
}

export interface SafetensorsHeader {
  /** In data order (by offset). */
  readonly entries: readonly SafetensorsEntry[];
  readonly metadata: Record<string, string>;
  /** Where the data section starts in the file. */
  readonly dataStart: number;
}

/**
 * Checks everything the format specifies, before touching the data: the 8-byte length against the
 * file, the header as UTF-8 JSON starting with `{` (no BOM), no duplicate names, known dtypes,
 * integer shapes and offsets, shape × dtype size = byte range, ranges contiguous from 0 with no gap
 * or overlap, and the last one ending exactly at the end of the file.
 */
export function readSafetensorsHeader(bytes: Uint8Array, source: string): SafetensorsHeader {
  return readSafetensorsHeaderPrefix(bytes, bytes.length, source);
}

/**
 * The header's length from the first 8 bytes of a file of `fileSize` bytes, checked against the
 * file size and the limit, so a reader of a large file knows how much to read before allocating it.
 */
export function safetensorsHeaderLength(first: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || first.length < 8)
    throw new SafetensorsError(`${source}: truncated: ${fileSize} bytes, not even the 8-byte header length`);
  const claimed = new DataView(first.buffer, first.byteOffset, 8).getBigUint64(0, true);
  if (claimed > BigInt(fileSize - 8))
    throw new SafetensorsError(
      `${source}: truncated or corrupt: header length ${claimed} exceeds the file (${fileSize} bytes)`,
    );
  const headLen = Number(claimed);
  if (headLen > MAX_HEADER_BYTES)
    throw new SafetensorsError(
      `${source}: header length ${headLen} is over the limit of ${MAX_HEADER_BYTES}`,
    );
  return headLen;
}

/**
 * {@link readSafetensorsHeader} for a file read in parts: `prefix` holds at least the 8-byte length
 * and the header (what follows is ignored), `fileSize` is the whole file's size, against which the
 * offsets are checked as strictly as for a file in memory.
 */
export function readSafetensorsHeaderPrefix(
  prefix: Uint8Array,
  fileSize: number,
  source: string,
): SafetensorsHeader {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${source}: ${msg}`);
  };
  const headLen = safetensorsHeaderLength(prefix, fileSize, source);
  if (prefix.length < 8 + headLen)
    throw new RangeError(
      `${source}: the prefix holds ${prefix.length} bytes, the header needs ${8 + headLen}`,
    );
  const head = prefix.subarray(8, 8 + headLen);
  if (head[0] !== 0x7b) {
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    fail(
      `corrupt header: it must start with "{"${bom ? ', not a byte order mark' : ''} (wrong header length?)`,
    );
  }
  let doc: JsonValue;
  try {
    doc = parseStrictJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(head));
  } catch (e) {
    return fail(`corrupt header: ${(e as Error).message}`);
  }
  if (!isObject(doc)) return fail('corrupt header: not a JSON object');
  const dataLen = fileSize - 8 - headLen;
  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, info] of Object.entries(doc)) {
    if (name === '__metadata__') {
      metadata = readMetadata(info, fail);
      continue;
    }
    entries.push(readEntry(name, info, fail));
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) {
      fail(
        `tensor "${e.name}" starts at byte ${e.begin}, expected ${at}: ${e.begin > at ? 'a gap' : 'an overlap'} in data_offsets`,
      );
    }
    at = e.end;
  }
  const cut = entries.find((e) => e.end > dataLen);
  if (cut) fail(`truncated: tensor "${cut.name}" ends at byte ${cut.end}, the data has ${dataLen}`);
  if (at !== dataLen)
    fail(
      `${dataLen - at} trailing bytes after the last tensor (the tensors need ${at}, the file has ${dataLen})`,
    );
  return { entries, metadata, dataStart: 8 + headLen };
}

type Fail = (msg: string) => never;

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function readMetadata(info: JsonValue, fail: Fail): Record<string, string> {
  if (info === null) return {};
  if (!isObject(info)) return fail('__metadata__ must be an object of strings');
  for (const [k, v] of Object.entries(info))
    if (typeof v !== 'string') fail(`__metadata__ "${k}" must be a string, got ${JSON.stringify(v)}`);
  return info as Record<string, string>;
}

function readEntry(name: string, info: JsonValue, fail: Fail): SafetensorsEntry {
  const at = `tensor "${name}"`;
  if (!isObject(info)) return fail(`${at}: not an object with dtype, shape and data_offsets`);
  for (const k of Object.keys(info))
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(`${at}: unknown field "${k}"`);
  const { dtype, shape, data_offsets: off } = info;
  if (typeof dtype !== 'string') return fail(`${at}: dtype missing or not a string`);
  const bits = SAFETENSORS_DTYPE_BITS[dtype];
  if (bits === undefined) fail(`${at}: unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isCount))
    return fail(`${at}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount))
    return fail(`${at}: data_offsets must be two non-negative integers, got ${JSON.stringify(off)}`);
  const [begin, end] = off as number[];
  if (end < begin) fail(`${at}: data_offsets [${begin}, ${end}] end before they begin`);
  let n = 1;
  for (const d of shape as number[]) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) fail(`${at}: shape [${shape}] is too large`);
  }
  const nbits = n * bits;
  if (nbits > Number.MAX_SAFE_INTEGER) fail(`${at}: shape [${shape}] is too large`);
  if (nbits % 8 !== 0) fail(`${at}: ${n} ${dtype} values are not a whole number of bytes`);
  if (end - begin !== nbits / 8)
    fail(
      `${at}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ${dtype} [${shape}] needs ${nbits / 8}`,
    );
  return { name, dtype, shape: shape as number[], begin, end };
}

function isCount(v: JsonValue): boolean {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}
