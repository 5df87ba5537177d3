#!/usr/bin/env node
/**
 * Streams one shuffled epoch of an activation set, for measuring memory and speed:
 *   pnpm --filter @saekit/datasets read-activations PATH [--batch 4096] [--buffer-rows 16384]
 * Prints rows, seconds, rows/s and the peak RSS of this process as JSON.
 */
import { parseArgs } from 'node:util';
import { openActivations } from './source.js';
import { ActivationStream } from './stream.js';

const { values: a, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batch: { type: 'string', default: '4096' },
    'buffer-rows': { type: 'string', default: '16384' },
    'chunk-rows': { type: 'string', default: '512' },
  },
});
if (positionals.length !== 1) {
  console.error('usage: read-activations PATH [--batch 4096] [--buffer-rows 16384] [--chunk-rows 512]');
  process.exit(2);
}
const set = await openActivations(positionals[0]);
const stream = new ActivationStream(set, {
  seed: 0,
  bufferRows: Number(a['buffer-rows']),
  chunkRows: Number(a['chunk-rows']),
});
const batch = new Float32Array(Number(a.batch) * set.dim);
const t0 = performance.now();
let rows = 0;
let sum = 0;
for (let n = await stream.nextBatch(batch); n > 0; n = await stream.nextBatch(batch)) {
  rows += n;
  sum += batch[0];
}
await stream.close();
const seconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({
    path: positionals[0],
    rows,
    dim: set.dim,
    shards: set.shards.length,
    seconds: Number(seconds.toFixed(1)),
    rowsPerSecond: Math.round(rows / seconds),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    checksum: sum,
  }),
);
