import type { ParallelKernel } from '../parallel/kernel.js';

/*
 * topkIndices over one long float32 row with a large k (BatchTopK's selection over the flattened
 * batch, [1, B·n] → [1, K]). A heap there does K·ln(n/K) inserts of log K steps each, and split in
 * parts each part finds its own K best, so threads add work rather than share it. Instead the row is
 * selected by its bits: each float32 maps to a 32-bit key in the same order (NaN highest, −0 as +0).
 *
 * Fast path: a histogram of a sample's keys (1/64 of the row, in blocks) gives a key t₀ that some
 * more than k keys pass; one pass over the row, split in parts, keeps every key ≥ t₀ with its index,
 * and a stable sort of those by descending key gives the k best (they were kept in increasing index,
 * so equal keys stay in index order). When the sample misled (fewer than k pass, or more than the
 * buffers hold: many equal keys), the exact path runs: a histogram of all keys' high 16 bits finds
 * the bin of the k-th, a second of that bin's low bits the key itself, and a last pass takes the keys
 * above it and, of those equal to it, the lowest indices. Either way the indices are the heap's:
 * the order is total (value, then index).
 */

const BINS = 1 << 16;
/** Key of every NaN: above +Inf's (0xff800000), one rank for all, so they tie by index. */
const NAN_KEY = 0xffffffff;
/** Sampled blocks: one of every SAMPLE_EVERY blocks of SAMPLE_BLOCK values. */
const SAMPLE_BLOCK = 256;
const SAMPLE_EVERY = 64;
/** Candidates a part may keep on the fast path, in multiples of k. */
const CANDIDATES_PER_K = 2;
/** Per part in `state`: offsets of its keys above the k-th and of those equal to it, how many equal to take; its candidates. */
const STATE = 4;
/** `found`: [bin T of the k-th, its key t, count above t, t₀ of the fast path, 1 when the fast path finished]. */
const FOUND = 5;

/** What every phase reads: the row's bits, k, the parts, and one shared scratch for all phases. */
export interface TopkRadixArgs {
  readonly x: Float32Array;
  readonly out: Float32Array;
  readonly n: number;
  readonly k: number;
  readonly parts: number;
  /** `scratchDoubles(parts, k)` float64 words, viewed as 32-bit regions. */
  readonly scratch: Float64Array;
}

/** Candidate slots: a part's share on the fast path; the whole, as the sort's buffers, holds k. */
const slots = (parts: number, k: number): number => parts * CANDIDATES_PER_K * k;

/** Float64 words of scratch: two histograms a part, the state, and keys and indices twice over. */
export const scratchDoubles = (parts: number, k: number): number =>
  Math.ceil((2 * parts * BINS + FOUND + parts * STATE + 4 * slots(parts, k)) / 2);

/** The scratch's regions, as 32-bit views. */
function views(a: TopkRadixArgs) {
  const { buffer, byteOffset } = a.scratch;
  const u32 = (at: number, len: number) => new Uint32Array(buffer, byteOffset + 4 * at, len);
  const i32 = (at: number, len: number) => new Int32Array(buffer, byteOffset + 4 * at, len);
  const h = a.parts * BINS;
  const st = 2 * h + FOUND;
  const c = slots(a.parts, a.k);
  const at = st + a.parts * STATE;
  return {
    bits: new Int32Array(a.x.buffer, a.x.byteOffset, a.n),
    high: i32(0, h),
    low: i32(h, h),
    found: u32(2 * h, FOUND),
    state: i32(st, a.parts * STATE),
    keys: u32(at, c),
    idx: i32(at + c, c),
    keys2: u32(at + 2 * c, c),
    idx2: i32(at + 3 * c, c),
  };
}

/** The order-preserving key of float32 bits s (as int32): flip all bits of negatives, the sign of the rest. */
function keyOf(s: number): number {
  const key = (s ^ ((s >> 31) | -0x80000000)) >>> 0;
  // NaN (any payload, either sign) and −0 are rare: one predictable test keeps them apart.
  if (key <= 0x007fffff || key > 0xff800000 || key === 0x7fffffff) {
    return key === 0x7fffffff ? 0x80000000 : key === 0x007fffff ? key : NAN_KEY;
  }
  return key;
}

const partStart = (n: number, parts: number, p: number): number => Math.floor((p * n) / parts);

/** The sort's counts (the one-thread phases run on the calling thread). */
const COUNT = new Int32Array(257);

/** Sorts keys[0, len) and idx alike by descending key, stably; returns the buffers holding the result. */
function sortByKey(
  keys: Uint32Array,
  idx: Int32Array,
  keys2: Uint32Array,
  idx2: Int32Array,
  len: number,
  count: Int32Array,
): Int32Array {
  // Four counting passes of 8 bits over the inverted keys, least significant first.
  for (let shift = 0; shift < 32; shift += 8) {
    count.fill(0);
    for (let j = 0; j < len; j++) count[(((~keys[j] >>> 0) >>> shift) & 0xff) + 1]++;
    for (let d = 0; d < 256; d++) count[d + 1] += count[d];
    for (let j = 0; j < len; j++) {
      const at = count[((~keys[j] >>> 0) >>> shift) & 0xff]++;
      keys2[at] = keys[j];
      idx2[at] = idx[j];
    }
    // Swapped through locals: a destructuring swap may allocate its array on each pass.
    const k1 = keys;
    keys = keys2;
    keys2 = k1;
    const i1 = idx;
    idx = idx2;
    idx2 = i1;
  }
  return idx;
}

/** A phase of one thread over the whole row. */
function single(
  name: string,
  run: (a: TopkRadixArgs, v: ReturnType<typeof views>) => void,
): ParallelKernel<TopkRadixArgs> {
  return {
    name,
    bind: (args) => {
      const v = views(args);
      return () => run(args, v);
    },
  };
}

/** A phase split in parts (part p: [partStart(p), partStart(p + 1)) of the row). */
function perPart(
  name: string,
  run: (a: TopkRadixArgs, v: ReturnType<typeof views>, p: number, i0: number, i1: number) => void,
): ParallelKernel<TopkRadixArgs> {
  return {
    name,
    bind: (args) => {
      const v = views(args);
      return (lo, hi) => {
        for (let p = lo; p < hi; p++)
          run(args, v, p, partStart(args.n, args.parts, p), partStart(args.n, args.parts, p + 1));
      };
    },
  };
}

/** Fast path 1 (one thread): t₀ from the sample's histogram, with room for sampling error. */
export const TOPK_SAMPLE = single('topkSample', ({ n, k }, { bits, high, found }) => {
  high.fill(0, 0, BINS);
  let sampled = 0;
  for (let b0 = 0; b0 < n; b0 += SAMPLE_BLOCK * SAMPLE_EVERY) {
    const end = Math.min(n, b0 + SAMPLE_BLOCK);
    for (let i = b0; i < end; i++) high[keyOf(bits[i]) >>> 16]++;
    sampled += end - b0;
  }
  const expected = (k * sampled) / n;
  const want = Math.ceil(1.25 * expected + 3 * Math.sqrt(expected) + 8);
  let seen = 0;
  let b = BINS - 1;
  for (; b > 0 && seen + high[b] < want; b--) seen += high[b];
  found[3] = b * BINS;
  found[4] = 0;
});

/** Fast path 2, per part: every key ≥ t₀ with its index, in its own slots (or only counted past them). */
export const TOPK_CANDIDATES = perPart(
  'topkCandidates',
  ({ parts, k }, { bits, found, state, keys, idx }, p, i0, i1) => {
    const t0 = found[3];
    const cap = slots(parts, k) / parts;
    const base = p * cap;
    let c = 0;
    for (let i = i0; i < i1; i++) {
      const key = keyOf(bits[i]);
      if (key < t0) continue;
      if (c < cap) {
        keys[base + c] = key;
        idx[base + c] = i;
      }
      c++;
    }
    state[p * STATE + 3] = c;
  },
);

/** Fast path 3 (one thread): when the parts kept at least k and no more than their slots, the k best. */
export const TOPK_RESOLVE = single(
  'topkResolve',
  ({ parts, k, out }, { found, state, keys, idx, keys2, idx2 }) => {
    const cap = slots(parts, k) / parts;
    let total = 0;
    for (let p = 0; p < parts; p++) {
      const c = state[p * STATE + 3];
      if (c > cap) return;
      // Close up the parts' slots so the candidates lie in increasing index.
      keys.copyWithin(total, p * cap, p * cap + c);
      idx.copyWithin(total, p * cap, p * cap + c);
      total += c;
    }
    if (total < k) return;
    const sorted = sortByKey(keys, idx, keys2, idx2, total, COUNT);
    for (let j = 0; j < k; j++) out[j] = sorted[j];
    found[4] = 1;
  },
);

/** Exact path 1, per part: a histogram of its keys' high 16 bits. */
export const TOPK_RADIX_HIGH = perPart('topkRadixHigh', (_a, { bits, high, found }, p, i0, i1) => {
  if (found[4]) return;
  const h = p * BINS;
  high.fill(0, h, h + BINS);
  for (let i = i0; i < i1; i++) high[h + (keyOf(bits[i]) >>> 16)]++;
});

/** Exact path 2 (one thread): the high bin T that holds the k-th key, and how many of the k are above it. */
export const TOPK_RADIX_FIND_HIGH = single('topkRadixFindHigh', ({ k, parts }, { high, found }) => {
  if (found[4]) return;
  let above = 0;
  for (let b = BINS - 1; b >= 0; b--) {
    let c = 0;
    for (let p = 0; p < parts; p++) c += high[p * BINS + b];
    if (above + c >= k) {
      found[0] = b;
      found[2] = above;
      return;
    }
    above += c;
  }
  throw new Error('cpu topkIndices: fewer keys than k (unreachable: k ≤ n)');
});

/** Exact path 3, per part: a histogram of the low 16 bits of its keys in bin T. */
export const TOPK_RADIX_LOW = perPart('topkRadixLow', (_a, { bits, low, found }, p, i0, i1) => {
  if (found[4]) return;
  const bin = found[0];
  const h = p * BINS;
  low.fill(0, h, h + BINS);
  for (let i = i0; i < i1; i++) {
    const key = keyOf(bits[i]);
    if (key >>> 16 === bin) low[h + (key & 0xffff)]++;
  }
});

/**
 * Exact path 4 (one thread): the k-th key t, and per part where its keys above t go (after the
 * parts before it) and how many of its keys equal to t it takes (the lowest indices first, so parts
 * in order).
 */
export const TOPK_RADIX_FIND_LOW = single('topkRadixFindLow', ({ k, parts }, { high, low, found, state }) => {
  if (found[4]) return;
  const bin = found[0];
  let above = found[2];
  let l = BINS - 1;
  for (; l > 0; l--) {
    let c = 0;
    for (let p = 0; p < parts; p++) c += low[p * BINS + l];
    if (above + c >= k) break;
    above += c;
  }
  found[1] = bin * BINS + l;
  let gtOff = 0;
  let eqOff = above;
  let eqLeft = k - above;
  for (let p = 0; p < parts; p++) {
    let gt = 0;
    for (let b = bin + 1; b < BINS; b++) gt += high[p * BINS + b];
    for (let m = l + 1; m < BINS; m++) gt += low[p * BINS + m];
    const take = Math.min(eqLeft, low[p * BINS + l]);
    const s = p * STATE;
    state[s] = gtOff;
    state[s + 1] = eqOff;
    state[s + 2] = take;
    gtOff += gt;
    eqOff += take;
    eqLeft -= take;
  }
});

/** Exact path 5, per part: its keys above t, and its share of those equal to t, with their indices. */
export const TOPK_RADIX_COLLECT = perPart(
  'topkRadixCollect',
  (_a, { bits, found, state, keys, idx }, p, i0, i1) => {
    if (found[4]) return;
    const t = found[1];
    let g = state[p * STATE];
    let e = state[p * STATE + 1];
    let left = state[p * STATE + 2];
    for (let i = i0; i < i1; i++) {
      const key = keyOf(bits[i]);
      if (key < t) continue;
      if (key > t) {
        keys[g] = key;
        idx[g++] = i;
      } else if (left > 0) {
        keys[e] = key;
        idx[e++] = i;
        left--;
      }
    }
  },
);

/**
 * Exact path 6 (one thread): the k chosen, best first. They were collected in increasing index
 * (keys equal to t last, and those are the smallest), so the stable sort leaves equal keys in
 * increasing index.
 */
export const TOPK_RADIX_SORT = single('topkRadixSort', ({ k, out }, { found, keys, idx, keys2, idx2 }) => {
  if (found[4]) return;
  const sorted = sortByKey(keys, idx, keys2, idx2, k, COUNT);
  for (let j = 0; j < k; j++) out[j] = sorted[j];
});
