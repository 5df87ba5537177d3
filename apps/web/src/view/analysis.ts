import { type AnySaeConfig, type Backend, forwardDataset, type SaeParams } from '@saekit/core';
import { syntheticSparse } from '@saekit/datasets';
import type { LoadedRun } from './run-files.js';

/** How many inputs the page encodes and ranks (the first ones of the test split or the given file). */
export const MAX_INPUTS = 2000;

export interface Inputs {
  readonly x: Float32Array;
  readonly n: number;
  readonly source: string;
}

/**
 * The inputs to look at: a file given with the run, else, for a synthetic run, the test split the
 * CLI drew for it (the test split depends only on the seed). Undefined when there are none.
 */
export function inputsFor(run: LoadedRun): Inputs | undefined {
  const d = run.config.inputDim;
  if (run.inputs) {
    const n = Math.min(run.inputs.n, MAX_INPUTS);
    return { x: run.inputs.x.subarray(0, n * d), n, source: run.inputs.source };
  }
  if (run.dataset !== 'synthetic' || run.seed === undefined || d !== 64) return undefined;
  const { test } = syntheticSparse({ seed: run.seed, nTrain: 0, nTest: MAX_INPUTS });
  return { x: test.x, n: test.n, source: `synthetic test split, seed ${run.seed}` };
}

/** Every input's latents and reconstruction, and each latent's density. */
export interface Analysis {
  readonly n: number;
  readonly hidden: number;
  readonly dim: number;
  /** [n, hidden] */
  readonly latents: Float32Array;
  /** [n, dim] */
  readonly recon: Float32Array;
  /** Per latent: the fraction of inputs on which it is active (> 0). */
  readonly density: Float64Array;
}

export async function analyse(
  backend: Backend,
  config: AnySaeConfig,
  params: SaeParams,
  inputs: Inputs,
): Promise<Analysis> {
  const { n } = inputs;
  const { hidden: latents, recon } = await forwardDataset(backend, config, params, inputs.x, n, [
    'hidden',
    'recon',
  ]);
  const h = config.hiddenDim;
  const density = new Float64Array(h);
  for (let i = 0; i < n; i++) for (let j = 0; j < h; j++) if (latents[i * h + j] > 0) density[j]++;
  for (let j = 0; j < h; j++) density[j] /= n;
  return { n, hidden: h, dim: config.inputDim, latents, recon, density };
}

export interface Ranked {
  readonly index: number;
  readonly value: number;
}

/** The `k` inputs on which latent `j` is largest (active ones only), largest first. */
export function topInputs(a: Analysis, j: number, k: number): Ranked[] {
  const out: Ranked[] = [];
  for (let i = 0; i < a.n; i++) {
    const value = a.latents[i * a.hidden + j];
    if (value > 0) out.push({ index: i, value });
  }
  return out.sort((p, q) => q.value - p.value || p.index - q.index).slice(0, k);
}

/** The latents active on input `i`, largest first. */
export function activeLatents(a: Analysis, i: number): Ranked[] {
  const out: Ranked[] = [];
  for (let j = 0; j < a.hidden; j++) {
    const value = a.latents[i * a.hidden + j];
    if (value > 0) out.push({ index: j, value });
  }
  return out.sort((p, q) => q.value - p.value || p.index - q.index);
}

/** Row `j` of W_dec: what latent `j` adds to the reconstruction. */
export function decoderRow(config: AnySaeConfig, params: SaeParams, j: number): Float32Array {
  const d = config.inputDim;
  return params.W_dec.subarray(j * d, (j + 1) * d);
}
