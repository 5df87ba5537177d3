/**
 * float16 and bfloat16 to float32 and back. One table of all 65536 float16 values decodes a shard at
 * the speed of a copy; bfloat16 is the top half of a float32, so it needs no table.
 */

let f16Table: Float32Array | undefined;

/** The float32 value of a float16 bit pattern, subnormals, infinities and NaN included. */
export function f16BitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Every float16 bit pattern's float32 value, built on first use. */
export function f16Table65536(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToFloat(h);
  }
  return f16Table;
}

/** Decodes `bits.length` float16 values into `out` from `outOffset`. */
export function decodeF16(bits: Uint16Array, out: Float32Array, outOffset: number): void {
  const table = f16Table65536();
  for (let i = 0; i < bits.length; i++) out[outOffset + i] = table[bits[i]];
}

/** Decodes `bits.length` bfloat16 values into `out` from `outOffset` (exact: they widen). */
export function decodeBf16(bits: Uint16Array, out: Float32Array, outOffset: number): void {
  const wide = new Uint32Array(out.buffer, out.byteOffset + outOffset * 4, bits.length);
  for (let i = 0; i < bits.length; i++) wide[i] = bits[i] << 16;
}

/** The float16 bit pattern nearest to `v` (ties to even), as NumPy's `astype(float16)` rounds. */
export function floatToF16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  // 65520 is halfway between the largest float16 (65504) and the next power step: it rounds up to Inf.
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24); // 1024 here is the smallest normal, as wanted
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundHalfEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** Encodes float32 values as float16 bit patterns into `out`. */
export function encodeF16(values: Float32Array, out: Uint16Array): void {
  for (let i = 0; i < values.length; i++) out[i] = floatToF16Bits(values[i]);
}

function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
