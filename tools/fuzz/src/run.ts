import { Rng } from '@saekit/core';
import { mutate } from './mutate.js';
import { cfgTarget } from './targets/cfg.js';
import { idxTarget } from './targets/idx.js';
import { lazySafetensorsTarget } from './targets/lazy-safetensors.js';
import { onnxTarget } from './targets/onnx.js';
import { safetensorsTarget } from './targets/safetensors.js';
import type { Target, Verdict } from './types.js';

export const TARGETS: readonly Target[] = [
  safetensorsTarget,
  cfgTarget,
  idxTarget,
  onnxTarget,
  lazySafetensorsTarget,
];

export interface FuzzOptions {
  /** Inputs per reader. */
  readonly count: number;
  /** Stop a reader earlier once this many seconds have passed. */
  readonly seconds?: number;
  readonly seed: number;
  /** Index of the first input (inputs are numbered, each from its own seeded generator). */
  readonly from?: number;
  /** An input that takes longer than this is a hang. */
  readonly hangMs: number;
}

export interface FuzzStats {
  readonly target: string;
  inputs: number;
  readonly counts: Record<Verdict, number>;
  /** The slowest input, in ms. */
  slowestMs: number;
  seconds: number;
  /** Peak resident set of the process so far, in MB. */
  peakRssMb: number;
  /** The first few findings: index, verdict, what happened. */
  readonly findings: string[];
}

/** FNV-1a of the seed, reader and index: input i of a reader is the same in every run. */
function inputSeed(seed: number, target: string, i: number): number {
  let h = 0x811c9dc5;
  for (const ch of `${seed}/${target}/${i}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}

/** Input `i` of `target`: a forgery (10%), a seed unchanged (5%), or stacked mutations of a seed. */
export function generate(target: Target, seeds: readonly Uint8Array[], seed: number, i: number): Uint8Array {
  const rng = new Rng(inputSeed(seed, target.name, i));
  const r = rng.int(100);
  if (r < 10) {
    const forged = target.forge(rng, seeds);
    if (forged) return forged;
  }
  const base = seeds[rng.int(seeds.length)];
  return r < 15 ? new Uint8Array(base) : mutate(rng, base, seeds);
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

export async function fuzzTarget(target: Target, opts: FuzzOptions): Promise<FuzzStats> {
  const seeds = target.seeds();
  const counts: Record<Verdict, number> = {
    refused: 0,
    accepted: 0,
    crash: 0,
    'wrong-accept': 0,
    'wrong-refuse': 0,
    hang: 0,
  };
  const stats: FuzzStats = {
    target: target.name,
    inputs: 0,
    counts,
    slowestMs: 0,
    seconds: 0,
    peakRssMb: 0,
    findings: [],
  };
  const start = performance.now();
  const from = opts.from ?? 0;
  const note = (i: number, v: Verdict, what: string) => {
    counts[v]++;
    if (stats.findings.length < 20) stats.findings.push(`${target.name} #${i} ${v}: ${what}`);
  };
  for (let i = from; i < from + opts.count; i++) {
    if (opts.seconds !== undefined && performance.now() - start > opts.seconds * 1000) break;
    const input = generate(target, seeds, opts.seed, i);
    const t0 = performance.now();
    let value: unknown;
    let accepted = false;
    try {
      value = await target.read(input);
      accepted = true;
    } catch (e) {
      if (!target.ownError(e)) note(i, 'crash', e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
    const ms = performance.now() - t0;
    stats.slowestMs = Math.max(stats.slowestMs, ms);
    if (ms > opts.hangMs) note(i, 'hang', `${Math.round(ms)} ms`);
    const ref = await target.reference(input, accepted ? value : undefined);
    if (accepted) {
      counts.accepted++;
      if (!ref.ok) note(i, 'wrong-accept', `the reference refuses it (${ref.why})`);
      else if (ref.value !== value) note(i, 'wrong-accept', 'read as other values than the reference reads');
    } else {
      counts.refused++;
      if (ref.ok) note(i, 'wrong-refuse', 'the reference accepts it');
    }
    stats.inputs++;
  }
  stats.seconds = (performance.now() - start) / 1000;
  stats.peakRssMb = peakRssMb();
  return stats;
}
