/**
 * Seeded pseudo-random numbers: xoshiro128** seeded through splitmix32. Pure 32-bit integer
 * arithmetic, so a seed gives the same stream on every platform and backend.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng: seed must be a finite number, got ${seed}`);
    let x = seed >>> 0 || 0x9e3779b9;
    const next = (): number => {
      // splitmix32: spreads a small seed over the whole 128-bit state
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The generator's whole state, as plain numbers (checkpoints): `restore` continues the stream exactly. */
  state(): RngState {
    // >>> 0: the words are kept as signed int32 by the bit operations; the bits are what matter.
    return { s: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spareNormal };
  }

  /** Puts back what `state` gave. */
  restore(st: RngState): this {
    const ok = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 4294967296;
    if (!Array.isArray(st.s) || st.s.length !== 4 || !st.s.every(ok) || st.s.every((v) => v === 0))
      throw new RangeError(`Rng.restore: not a generator state: ${JSON.stringify(st.s)}`);
    if (st.spareNormal !== null && !Number.isFinite(st.spareNormal))
      throw new RangeError(`Rng.restore: spareNormal must be a number or null, got ${st.spareNormal}`);
    [this.s0, this.s1, this.s2, this.s3] = st.s;
    this.spareNormal = st.spareNormal;
    return this;
  }

  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform in [0, 1), 32 bits of randomness. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). Rejection sampling, so there is no modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296)
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let r = this.nextUint32();
    while (r >= limit) r = this.nextUint32();
    return r % n;
  }

  /** Standard normal, Box-Muller (the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** `n` uniform values in [lo, hi). */
  uniformArray(n: number, lo = 0, hi = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * this.uniform();
    return out;
  }

  /** `n` normal values with the given mean and standard deviation. */
  normalArray(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** A uniformly random permutation of 0..n-1 (Fisher-Yates), written into `out` when given. */
  permutation(n: number, out: Uint32Array = new Uint32Array(n)): Uint32Array {
    if (out.length !== n)
      throw new RangeError(`Rng.permutation: out has length ${out.length}, expected ${n}`);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = out[i];
      out[i] = out[j];
      out[j] = t;
    }
    return out;
  }
}

/** An {@link Rng}'s state: four 32-bit words, and the second normal of a pair not yet used. */
export interface RngState {
  readonly s: readonly number[];
  readonly spareNormal: number | null;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
