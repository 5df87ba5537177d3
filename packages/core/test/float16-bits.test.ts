import { describe, expect, it } from 'vitest';
import { decodeBf16, f16BitsToFloat, floatToBf16Bits, floatToF16Bits } from '../src/index.js';

// Bit patterns worked out by hand from IEEE 754 binary16 / bfloat16 (sign, exponent, mantissa),
// not by this code: exact values, round-to-nearest ties to even, subnormals, infinities, NaN.
const F16: ReadonlyArray<readonly [number, number, string]> = [
  [0, 0x0000, 'zero'],
  [-0, 0x8000, 'negative zero'],
  [1, 0x3c00, 'one'],
  [-2, 0xc000, 'minus two'],
  [65504, 0x7bff, 'largest finite'],
  [65519, 0x7bff, 'just below the tie to Inf'],
  [65520, 0x7c00, 'tie between 65504 and 2^16 rounds to even: Inf'],
  [2 ** -24, 0x0001, 'smallest subnormal'],
  [2 ** -25, 0x0000, 'half the smallest subnormal: tie to even zero'],
  [3 * 2 ** -25, 0x0002, '1.5 subnormal units: tie to even 2'],
  [1023 * 2 ** -24, 0x03ff, 'largest subnormal'],
  [2 ** -14, 0x0400, 'smallest normal'],
  [1 + 2 ** -11, 0x3c00, 'tie between 1 and 1+2^-10: even is 1'],
  [1 + 3 * 2 ** -11, 0x3c02, 'tie between 0x3c01 and 0x3c02: even'],
  [Math.fround(0.1), 0x2e66, '0.1'],
  [Math.fround(1 / 3), 0x3555, '1/3'],
  [Number.POSITIVE_INFINITY, 0x7c00, '+Inf'],
  [Number.NEGATIVE_INFINITY, 0xfc00, '-Inf'],
  [1e-10, 0x0000, 'far below the subnormals'],
];

const BF16: ReadonlyArray<readonly [number, number, string]> = [
  [0, 0x0000, 'zero'],
  [-0, 0x8000, 'negative zero'],
  [1, 0x3f80, 'one'],
  [-2, 0xc000, 'minus two'],
  [1 + 2 ** -8, 0x3f80, 'tie between 1 and 1+2^-7: even is 1'],
  [1 + 3 * 2 ** -8, 0x3f82, 'tie between 0x3f81 and 0x3f82: even'],
  [1 + 2 ** -8 + 2 ** -20, 0x3f81, 'just above the tie'],
  [Math.fround(0.1), 0x3dcd, '0.1 (float32 0x3dcccccd)'],
  [Math.fround(1 / 3), 0x3eab, '1/3 (float32 0x3eaaaaab)'],
  [3.4028234663852886e38, 0x7f80, 'float32 max rounds up to Inf'],
  [3.3895313892515355e38, 0x7f7f, 'bfloat16 max'],
  [2 ** -133, 0x0001, 'smallest bfloat16 subnormal'],
  [2 ** -134, 0x0000, 'half of it: tie to even zero'],
  [3 * 2 ** -134, 0x0002, '1.5 units: tie to even 2'],
  [2 ** -149, 0x0000, 'smallest float32 subnormal'],
  [Number.POSITIVE_INFINITY, 0x7f80, '+Inf'],
  [Number.NEGATIVE_INFINITY, 0xff80, '-Inf'],
];

describe('float16 bit patterns', () => {
  it.each(F16)('%d -> 0x%s (%s)', (v, bits) => {
    expect(floatToF16Bits(v)).toBe(bits);
  });
  it('decodes every table entry back to the rounded value', () => {
    for (const [, bits] of F16) {
      const back = f16BitsToFloat(bits);
      expect(floatToF16Bits(back)).toBe(bits);
    }
    expect(f16BitsToFloat(0x0001)).toBe(2 ** -24);
    expect(f16BitsToFloat(0x03ff)).toBe(6.097555160522461e-5);
    expect(f16BitsToFloat(0x3555)).toBe(0.333251953125);
    expect(f16BitsToFloat(0x2e66)).toBe(0.0999755859375);
    expect(Object.is(f16BitsToFloat(0x8000), -0)).toBe(true);
    expect(f16BitsToFloat(0x7e00)).toBeNaN();
    expect(f16BitsToFloat(0xfc01)).toBeNaN();
  });
  it('NaN encodes as the quiet NaN', () => {
    expect(floatToF16Bits(Number.NaN)).toBe(0x7e00);
  });
});

describe('bfloat16 bit patterns', () => {
  it.each(BF16)('%d -> 0x%s (%s)', (v, bits) => {
    expect(floatToBf16Bits(v)).toBe(bits);
  });
  it('NaN of either sign encodes as 0x7fc0, as PyTorch does', () => {
    expect(floatToBf16Bits(Number.NaN)).toBe(0x7fc0);
    const negNaN = new Float32Array(new Uint32Array([0xffc00001]).buffer)[0];
    expect(floatToBf16Bits(negNaN)).toBe(0x7fc0);
  });
  it('decodes by widening: exact values, subnormals, Inf, NaN', () => {
    const bits = new Uint16Array([0x3f80, 0x0001, 0x7f7f, 0xff80, 0x7fc0, 0x8000, 0x3dcd]);
    const out = new Float32Array(bits.length);
    decodeBf16(bits, out, 0);
    expect(Array.from(out.subarray(0, 4))).toEqual([
      1,
      2 ** -133,
      3.3895313892515355e38,
      Number.NEGATIVE_INFINITY,
    ]);
    expect(out[4]).toBeNaN();
    expect(Object.is(out[5], -0)).toBe(true);
    expect(out[6]).toBe(0.10009765625);
  });
});
