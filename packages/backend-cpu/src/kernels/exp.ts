/*
 * exp for the float32 backend: about 2× faster than Math.exp in V8 and within 1e-12 relative of
 * it, far below float32's 6e-8 rounding, so float32 results agree to the last bit but for rare
 * ties. The float64 reference keeps Math.exp.
 *
 *   exp(x) = 2^(k/16) · exp(r),  k = round(16x / ln 2),  r = x − k·ln2/16 (|r| ≤ 0.0217)
 *
 * exp(r) is its Taylor polynomial to degree 5 (remainder below 2e-13 on that interval). 2^(k/16)
 * is a table of the sixteen 2^(j/16) times a table of normal powers of two. ln2/16 is split in two
 * parts so k·LN2_16_HI is exact. The rounding uses the 1.5·2^52 trick (adding and subtracting it
 * leaves the value rounded to an integer) because Math.round is slower here. Outside (−708, 709) —
 * subnormal or overflowing results, ±Inf, NaN — it defers to Math.exp.
 */
const SCALE = 16 / Math.LN2;
const LN2_16_HI = 0.6931471803691238 / 16; // ln 2 to 32 bits, over 16: exact in k·LN2_16_HI
const LN2_16_LO = 1.9082149292705877e-10 / 16; // the rest of ln 2, over 16
const ROUND = 6755399441055744; // 1.5 · 2^52
/** POW2[e + 1022] = 2^e for the normal exponents −1022 … 1023. */
const POW2 = new Float64Array(2048);
for (let e = -1022; e <= 1023; e++) POW2[e + 1022] = 2 ** e;
/** FRAC[j] = 2^(j/16). */
const FRAC = new Float64Array(16);
for (let j = 0; j < 16; j++) FRAC[j] = 2 ** (j / 16);

export function fastExp(x: number): number {
  if (!(x > -708 && x < 709)) return Math.exp(x);
  const k = x * SCALE + ROUND - ROUND;
  const r = x - k * LN2_16_HI - k * LN2_16_LO;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r / 120))));
  const ki = k | 0;
  // ki & 15 and ki >> 4 are the floor-mod and floor-division by 16, negative ki included.
  return p * FRAC[ki & 15] * POW2[((ki >> 4) + 1022) & 2047];
}
