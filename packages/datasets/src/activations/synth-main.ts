#!/usr/bin/env node
/**
 * Writes a synthetic activation set of a given size, for benchmarks (never run by the CI tests):
 *   pnpm --filter @saekit/datasets synth-activations --out /tmp/acts --gb 5 [--dtype f16|f32]
 *     [--dim 768] [--features 4096] [--active 32] [--shard-mb 256] [--seed 0]
 * Prints one line per shard, then the rows, bytes, seconds and the peak RSS of this process.
 */
import { parseArgs } from 'node:util';
import { DTYPE_BYTES } from './npy.js';
import { writeSyntheticActivations } from './synthetic-shards.js';

const { values: a } = parseArgs({
  options: {
    out: { type: 'string' },
    gb: { type: 'string' },
    rows: { type: 'string' },
    dtype: { type: 'string', default: 'f16' },
    dim: { type: 'string', default: '768' },
    features: { type: 'string', default: '4096' },
    active: { type: 'string', default: '32' },
    'shard-mb': { type: 'string', default: '256' },
    seed: { type: 'string', default: '0' },
  },
});
const dtype = a.dtype;
if (!a.out || (a.gb === undefined) === (a.rows === undefined) || (dtype !== 'f16' && dtype !== 'f32')) {
  console.error('usage: synth-activations --out DIR (--gb N | --rows N) [--dtype f16|f32] [--dim 768] …');
  process.exit(2);
}
const dim = Number(a.dim);
const rowBytes = dim * DTYPE_BYTES[dtype];
const rows = a.rows !== undefined ? Number(a.rows) : Math.floor((Number(a.gb) * 1e9) / rowBytes);
const shardRows = Math.max(1, Math.floor((Number(a['shard-mb']) * 2 ** 20) / rowBytes));
const t0 = performance.now();
const result = await writeSyntheticActivations({
  dir: a.out,
  rows,
  dim,
  features: Number(a.features),
  activePerRow: Number(a.active),
  dtype,
  shardRows,
  seed: Number(a.seed),
  onShard: (path, done) =>
    console.log(`${path}: ${done}/${rows} rows, ${((performance.now() - t0) / 1000).toFixed(1)} s`),
});
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    out: a.out,
    rows,
    dim,
    dtype,
    shards: result.shards.length,
    bytes: result.bytes,
    seconds: Number(seconds.toFixed(1)),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
