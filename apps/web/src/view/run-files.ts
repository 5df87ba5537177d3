import {
  type AnySaeConfig,
  CHECKPOINT_FILES,
  configFromText,
  decodeWeights,
  isModernConfig,
  parseStrictJson,
  type SaeParams,
} from '@saekit/core';
import { INPUTS_FILES, type InputsFile, inputsCandidate, readInputs } from './inputs-file.js';

export { readInputs } from './inputs-file.js';

/** What the page shows: a checkpoint, how it was made (when run.json says), and inputs to look at. */
export interface LoadedRun {
  readonly source: string;
  /** A classic config or a modern one (topk, batchtopk, jumprelu, matryoshka, standard). */
  readonly config: AnySaeConfig;
  readonly params: SaeParams;
  /** From run.json: the dataset and seed, which make synthetic inputs reproducible. */
  readonly dataset?: string;
  readonly seed?: number;
  /** [n, inputDim] inputs given with the checkpoint (inputs.npy / .safetensors), if any. */
  readonly inputs?: InputsFile;
}

/** The bytes of one file of a run, or undefined when it is not there. */
type Get = (name: string) => Promise<Uint8Array | undefined>;

const text = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);

/**
 * A run directory, or SAELens files (cfg.json + sae_weights.safetensors: the same names), from
 * files the user picked or dropped. A further `.safetensors` or `.npy` file holds inputs to look at.
 */
export async function loadRunFromFiles(files: readonly File[]): Promise<LoadedRun> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const get: Get = async (name) => {
    const f = byName.get(name);
    return f ? new Uint8Array(await f.arrayBuffer()) : undefined;
  };
  const where = files.length ? `the ${files.length} files given` : 'no files';
  return decodeRun(get, where, inputsCandidate([...byName.keys()]));
}

/**
 * A run directory served at `base` (a URL ending in `/`), with the first of `inputs` found there.
 */
export async function loadRunFromUrl(
  base: string,
  inputs: string | readonly string[] = INPUTS_FILES,
): Promise<LoadedRun> {
  const dir = base.endsWith('/') ? base : `${base}/`;
  const get: Get = async (name) => {
    const url = new URL(name, new URL(dir, location.href)).href;
    const res = await fetch(url);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  return decodeRun(get, dir, inputs);
}

async function decodeRun(
  get: Get,
  where: string,
  inputs: string | readonly string[] | undefined,
): Promise<LoadedRun> {
  const [cfg, weights, runJson] = await Promise.all([
    get(CHECKPOINT_FILES.config),
    get(CHECKPOINT_FILES.weights),
    get('run.json'),
  ]);
  for (const [name, bytes] of [
    [CHECKPOINT_FILES.config, cfg],
    [CHECKPOINT_FILES.weights, weights],
  ] as const) {
    if (!bytes) throw new Error(`${where}: no ${name} (a run directory or SAELens checkpoint has it)`);
  }
  const config = configFromText(text(cfg!), CHECKPOINT_FILES.config);
  const params = decodeWeights(config, weights!, CHECKPOINT_FILES.weights);
  const run = { source: where, config, params, ...(runJson ? runInfo(text(runJson)) : {}) };
  for (const name of typeof inputs === 'string' ? [inputs] : (inputs ?? [])) {
    const bytes = await get(name);
    if (bytes) return { ...run, inputs: readInputs(bytes, config, name) };
  }
  return run;
}

/** run.json's dataset and seed; a run.json that does not say them as expected is an error. */
function runInfo(doc: string): { dataset: string; seed: number } {
  const v = parseStrictJson(doc) as Record<string, unknown>;
  if (typeof v?.dataset !== 'string') throw new Error('run.json: "dataset" is not a string');
  if (!Number.isSafeInteger(v.seed)) throw new Error('run.json: "seed" is not an integer');
  return { dataset: v.dataset, seed: v.seed as number };
}

/** One line for the status: the sizes and the recipe (a modern architecture or the classic parts). */
export function describeConfig(c: AnySaeConfig): string {
  const k = c.k === undefined ? '' : ` k=${c.k}`;
  if (isModernConfig(c)) return `${c.inputDim} → ${c.hiddenDim} ${c.architecture}${k}`;
  return `${c.inputDim} → ${c.hiddenDim} ${c.encoder}${k}, decoder ${c.decoder}`;
}
