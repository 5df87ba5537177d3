/**
 * The little of the WebAssembly binary format one kernel module needs: LEB128 numbers, vectors,
 * sections, and the opcodes the pointwise kernels use (core, and SIMD's 0xfd prefix). Written out
 * here because a kernel is a loop of a dozen instructions; an assembler dependency would be larger
 * than the kernels it builds.
 */

/** Unsigned LEB128. */
export function u32(n: number): number[] {
  const out: number[] = [];
  let v = n >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (i32 constants). */
export function i32(n: number): number[] {
  const out: number[] = [];
  let v = n | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A float32 immediate, little-endian. */
export function f32(x: number): number[] {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return [...b];
}

/** A vector: its length, then its items. */
export const vec = (items: readonly number[][]): number[] => [...u32(items.length), ...items.flat()];

/** A section: id, byte size, contents. */
export const section = (id: number, body: readonly number[]): number[] => [id, ...u32(body.length), ...body];

/** UTF-8 name. */
export const name = (s: string): number[] => {
  const bytes = [...new TextEncoder().encode(s)];
  return [...u32(bytes.length), ...bytes];
};

export const TYPE = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;

export const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br_if: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Const: 0x41,
  f32Const: 0x43,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  blockVoid: 0x40,
} as const;

/** SIMD instructions: the 0xfd prefix, then the opcode as unsigned LEB128. */
const simd = (code: number): number[] => [0xfd, ...u32(code)];
export const SIMD = {
  /** v128.load / v128.store take a memarg: alignment log2 (4: 16 bytes) and offset. */
  load: [...simd(0x00), 4, 0],
  store: [...simd(0x0b), 4, 0],
  f32x4Splat: simd(0x13),
  f32x4Ne: simd(0x42),
  bitselect: simd(0x52),
  f32x4Abs: simd(0xe0),
  f32x4Neg: simd(0xe1),
  f32x4Sqrt: simd(0xe3),
  f32x4Add: simd(0xe4),
  f32x4Sub: simd(0xe5),
  f32x4Mul: simd(0xe6),
  f32x4Div: simd(0xe7),
  f32x4Max: simd(0xe9),
} as const;

/**
 * A module of one function `run` over an imported memory `env.mem` (`pages` 64 KiB pages, fixed):
 * `params` its parameter types, `locals` its extra locals (type, count), `body` its code.
 */
export function kernelModule(
  params: readonly number[],
  locals: readonly [number, number][],
  body: readonly number[],
  pages: number,
): Uint8Array {
  const funcType = [0x60, ...vec(params.map((t) => [t])), ...vec([])];
  const memImport = [...name('env'), ...name('mem'), 0x02, 0x01, ...u32(pages), ...u32(pages)];
  const exportRun = [...name('run'), 0x00, ...u32(0)];
  const code = [...vec(locals.map(([t, n]) => [...u32(n), t])), ...body, OP.end];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([funcType])),
    ...section(2, vec([memImport])),
    ...section(3, vec([u32(0)])),
    ...section(7, vec([exportRun])),
    ...section(10, vec([[...u32(code.length), ...code]])),
  ]);
}
