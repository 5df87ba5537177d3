import { mkdir, open, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeF16, Rng } from '@saekit/core';
import { npyHeaderBytes } from './npy.js';

export interface SyntheticActivationsOptions {
  /** Directory to write into (created); shards go to its top level, the truth to `truth/`. */
  dir: string;
  rows: number;
  /** Default 768. */
  dim?: number;
  /** Ground-truth features. Default 4096. */
  features?: number;
  /** Features drawn per row (repeats drawn once, partners added on top). Default 32. */
  activePerRow?: number;
  /** Feature i is drawn with probability ∝ (i + 1)^-powerLaw. Default 0.8. */
  powerLaw?: number;
  /** Pairs of features that fire together. Default features / 8. */
  correlatedPairs?: number;
  /** Chance that a drawn feature's partner fires with it. Default 0.5. */
  pairProbability?: number;
  /** Default 'f16'. */
  dtype?: 'f32' | 'f16';
  /** Rows per shard. Default 65536. */
  shardRows?: number;
  /** Default 0. */
  seed?: number;
  /** Called after each shard is written. */
  onShard?: (path: string, rowsWritten: number) => void;
}

export interface SyntheticActivations {
  readonly shards: readonly string[];
  /** `truth/features.npy`: float32 [features, dim], unit rows. */
  readonly featuresPath: string;
  /** How often each feature fired, and each pair fired together (also in `truth/meta.json`). */
  readonly featureCounts: Float64Array;
  readonly pairs: readonly (readonly [number, number])[];
  readonly pairCounts: Float64Array;
  readonly bytes: number;
}

/** Rows generated and written at a time: the writer's memory is this and the features. */
const CHUNK_ROWS = 256;

/**
 * Writes synthetic activations with a known dictionary: unit-norm Gaussian features with a
 * power-law frequency and correlated pairs, sparse non-negative codes (exponential coefficients,
 * mean 1), as `.npy` shards `shard-00000.npy`, … Seeded and deterministic; rows are generated a
 * chunk at a time, so the whole set is never in memory. Each shard is written to a temporary name
 * and renamed when complete.
 */
export async function writeSyntheticActivations(
  o: SyntheticActivationsOptions,
): Promise<SyntheticActivations> {
  const dim = o.dim ?? 768;
  const F = o.features ?? 4096;
  const active = o.activePerRow ?? 32;
  const alpha = o.powerLaw ?? 0.8;
  const nPairs = o.correlatedPairs ?? Math.floor(F / 8);
  const pPair = o.pairProbability ?? 0.5;
  const dtype = o.dtype ?? 'f16';
  const shardRows = o.shardRows ?? 65536;
  for (const [k, v, min] of [
    ['rows', o.rows, 1],
    ['dim', dim, 1],
    ['features', F, 1],
    ['activePerRow', active, 1],
    ['correlatedPairs', nPairs, 0],
    ['shardRows', shardRows, 1],
  ] as const)
    if (!Number.isSafeInteger(v) || v < min)
      throw new RangeError(`writeSyntheticActivations: ${k} must be an integer >= ${min}, got ${v}`);
  if (2 * nPairs > F)
    throw new RangeError(`writeSyntheticActivations: ${nPairs} pairs need ${2 * nPairs} features`);
  if (!(pPair >= 0 && pPair <= 1) || !(alpha >= 0))
    throw new RangeError('writeSyntheticActivations: pairProbability must be in [0, 1], powerLaw >= 0');

  const master = new Rng(o.seed ?? 0);
  const featRng = new Rng(master.nextUint32());
  const rng = new Rng(master.nextUint32());
  const features = unitGaussianRows(featRng, F, dim);
  const cdf = new Float64Array(F);
  for (let i = 0, acc = 0; i < F; i++) cdf[i] = acc += (i + 1) ** -alpha;
  const order = featRng.permutation(F);
  const partner = new Int32Array(F).fill(-1);
  const pairOf = new Int32Array(F).fill(-1);
  const pairs: [number, number][] = [];
  for (let p = 0; p < nPairs; p++) {
    const [a, b] = [order[2 * p], order[2 * p + 1]];
    partner[a] = b;
    partner[b] = a;
    pairOf[a] = pairOf[b] = p;
    pairs.push([a, b]);
  }

  await mkdir(join(o.dir, 'truth'), { recursive: true });
  const featuresPath = join(o.dir, 'truth', 'features.npy');
  await writeAtomic(featuresPath, [npyHeaderBytes('f32', F, dim), bytesOf(features)]);

  const counts = new Float64Array(F);
  const pairCounts = new Float64Array(nPairs);
  const stamp = new Float64Array(F).fill(-1);
  const picked = new Int32Array(2 * active);
  const x = new Float32Array(CHUNK_ROWS * dim);
  const half = new Uint16Array(dtype === 'f16' ? CHUNK_ROWS * dim : 0);
  const shards: string[] = [];
  let bytes = 0;
  for (let s = 0, row = 0; row < o.rows; s++) {
    const rows = Math.min(shardRows, o.rows - row);
    const path = join(o.dir, `shard-${String(s).padStart(5, '0')}.npy`);
    const file = await open(`${path}.tmp`, 'w');
    try {
      const head = npyHeaderBytes(dtype, rows, dim);
      await file.write(head);
      bytes += head.length;
      for (let done = 0; done < rows; ) {
        const n = Math.min(CHUNK_ROWS, rows - done);
        x.fill(0, 0, n * dim);
        for (let i = 0; i < n; i++, row++) {
          let k = 0;
          const add = (f: number): void => {
            if (stamp[f] === row) return;
            stamp[f] = row;
            picked[k++] = f;
          };
          for (let j = 0; j < active; j++) {
            const f = drawIndex(cdf, rng.uniform() * cdf[F - 1]);
            const fresh = stamp[f] !== row;
            add(f);
            if (fresh && partner[f] >= 0 && rng.uniform() < pPair) add(partner[f]);
          }
          const base = i * dim;
          for (let j = 0; j < k; j++) {
            const f = picked[j];
            counts[f]++;
            if (partner[f] > f && stamp[partner[f]] === row) pairCounts[pairOf[f]]++;
            const c = -Math.log(1 - rng.uniform());
            const fo = f * dim;
            for (let d = 0; d < dim; d++) x[base + d] += c * features[fo + d];
          }
        }
        const data = dtype === 'f16' ? encodeHalf(x, half, n * dim) : bytesOf(x.subarray(0, n * dim));
        await file.write(data);
        bytes += data.length;
        done += n;
      }
    } finally {
      await file.close();
    }
    await rename(`${path}.tmp`, path);
    shards.push(path);
    o.onShard?.(path, row);
  }
  const meta = {
    rows: o.rows,
    dim,
    features: F,
    activePerRow: active,
    powerLaw: alpha,
    pairProbability: pPair,
    dtype,
    shardRows,
    seed: o.seed ?? 0,
    featureCounts: Array.from(counts),
    pairs,
    pairCounts: Array.from(pairCounts),
  };
  await writeAtomic(join(o.dir, 'truth', 'meta.json'), [
    new TextEncoder().encode(`${JSON.stringify(meta)}\n`),
  ]);
  return { shards, featuresPath, featureCounts: counts, pairs, pairCounts, bytes };
}

function unitGaussianRows(rng: Rng, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    while (norm === 0) {
      norm = 0;
      for (let d = 0; d < dim; d++) {
        const v = rng.normal();
        out[i * dim + d] = v;
        norm += v * v;
      }
      norm = Math.sqrt(norm);
    }
    for (let d = 0; d < dim; d++) out[i * dim + d] /= norm;
  }
  return out;
}

/** The first i with cdf[i] > u (u in [0, cdf[last]) ). */
function drawIndex(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function encodeHalf(x: Float32Array, half: Uint16Array, n: number): Uint8Array {
  encodeF16(x.subarray(0, n), half);
  return new Uint8Array(half.buffer, 0, n * 2);
}

function bytesOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

async function writeAtomic(path: string, parts: Uint8Array[]): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, parts);
  await rename(tmp, path);
}
