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

const f32Box = new Float32Array(1);
const u32Box = new Uint32Array(f32Box.buffer);

/**
 * The float16 bit pattern nearest to the float32 value of `v` (ties to even), as NumPy's
 * `astype(float16)` rounds; NaN becomes the quiet NaN 0x7e00. Integer work on the float32 bits,
 * because the synthetic writer converts billions of values.
 */
export function floatToF16Bits(v: number): number {
  f32Box[0] = v;
  const x = u32Box[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | (mant ? 0x7e00 : 0x7c00);
  let e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A float16 subnormal: units of 2^-24; below 2^-25 everything rounds to zero.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++; // m = 0x400 is the smallest normal, as wanted
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) {
      m = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | m;
}

/** Encodes float32 values as float16 bit patterns into `out`. */
export function encodeF16(values: Float32Array, out: Uint16Array): void {
  for (let i = 0; i < values.length; i++) out[i] = floatToF16Bits(values[i]);
}

/**
 * The bfloat16 bit pattern nearest to the float32 value of `v` (ties to even), as PyTorch's
 * `to(torch.bfloat16)` rounds; every NaN becomes the quiet NaN 0x7fc0, as there.
 */
export function floatToBf16Bits(v: number): number {
  f32Box[0] = v;
  const x = u32Box[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return 0x7fc0;
  // Adding 0x7fff plus the kept lowest bit rounds to nearest, ties to even; a carry into the
  // exponent is the correct rounding up (to the next binade or to Inf).
  const rounded = x + 0x7fff + ((x >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** Encodes float32 values as bfloat16 bit patterns into `out`. */
export function encodeBf16(values: Float32Array, out: Uint16Array): void {
  for (let i = 0; i < values.length; i++) out[i] = floatToBf16Bits(values[i]);
}
