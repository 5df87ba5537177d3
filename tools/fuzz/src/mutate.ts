import type { Rng } from '@saekit/core';

/** Integers that break size arithmetic: zero, one, signs, powers of two at type edges. */
const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 255, 256, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];
const BIG = [2n ** 31n, 2n ** 32n, 2n ** 53n, 2n ** 60n, 2n ** 63n, 2n ** 64n - 1n];

/** A number or a string of digits that is wrong in some way, for JSON fields. */
export const WEIRD_NUMBERS = [
  '-1',
  '0',
  '0.5',
  '1e3',
  '4.0',
  '1e309',
  '-0',
  '9007199254740993',
  '2147483648',
  'null',
  '"4"',
  'true',
  '[]',
  '{}',
];

export function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[rng.int(xs.length)];
}

/** One to four stacked byte-level mutations of `src` (never modified). */
export function mutate(rng: Rng, src: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  let b: Uint8Array = new Uint8Array(src);
  const steps = 1 + rng.int(4);
  for (let s = 0; s < steps; s++) b = mutateOnce(rng, b, others);
  return b;
}

function mutateOnce(rng: Rng, b: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
  const at = () => rng.int(Math.max(1, b.length));
  switch (rng.int(10)) {
    case 0: {
      // the classic: one bit
      if (b.length) b[at()] ^= 1 << rng.int(8);
      return b;
    }
    case 1: {
      if (b.length) b[at()] = pick(rng, [0, 1, 0x7f, 0x80, 0xff, 0x22, 0x7b, 0x2c]);
      return b;
    }
    case 2:
      return b.slice(0, at());
    case 3: {
      const extra = new Uint8Array(1 + rng.int(16)).map(() => rng.int(256));
      const i = at();
      return concat(b.subarray(0, i), extra, b.subarray(i));
    }
    case 4: {
      const i = at();
      return concat(b.subarray(0, i), b.subarray(i + 1 + rng.int(8)));
    }
    case 5: {
      // overwrite a 32-bit field (either byte order) with an edge value
      const i = at();
      if (i + 4 > b.length) return b;
      const v = pick(rng, INTERESTING);
      new DataView(b.buffer, b.byteOffset).setUint32(i, v >>> 0, rng.int(2) === 0);
      return b;
    }
    case 6: {
      const i = at();
      if (i + 8 > b.length) return b;
      new DataView(b.buffer, b.byteOffset).setBigUint64(i, pick(rng, BIG), true);
      return b;
    }
    case 7: {
      // duplicate a chunk
      const i = at();
      const chunk = b.slice(i, i + 1 + rng.int(32));
      const j = at();
      return concat(b.subarray(0, j), chunk, b.subarray(j));
    }
    case 8: {
      // splice with another seed
      const o = pick(rng, others);
      const i = at();
      return concat(b.subarray(0, i), o.subarray(rng.int(Math.max(1, o.length))));
    }
    default: {
      // nudge a byte by a small amount (sizes off by one)
      if (b.length) {
        const i = at();
        b[i] = (b[i] + pick(rng, [1, -1, 2, -2, 4, -4])) & 0xff;
      }
      return b;
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
