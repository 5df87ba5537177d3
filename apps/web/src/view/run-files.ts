import {
  CHECKPOINT_FILES,
  configFromText,
  decodeSafetensors,
  decodeWeights,
  isModernConfig,
  parseStrictJson,
  type SaeConfig,
  type SaeParams,
} from '@saekit/core';

/** What the page shows: a checkpoint, how it was made (when run.json says), and inputs to look at. */
export interface LoadedRun {
  readonly source: string;
  readonly config: SaeConfig;
  readonly params: SaeParams;
  /** From run.json: the dataset and seed, which make synthetic inputs reproducible. */
  readonly dataset?: string;
  readonly seed?: number;
  /** [n, inputDim] inputs given with the checkpoint (an extra .safetensors file), if any. */
  readonly inputs?: { readonly x: Float32Array; readonly n: number; readonly source: string };
}

/** The bytes of one file of a run, or undefined when it is not there. */
type Get = (name: string) => Promise<Uint8Array | undefined>;

const text = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);

/**
 * A run directory, or SAELens files (cfg.json + sae_weights.safetensors: the same names), from
 * files the user picked or dropped. A further `.safetensors` file holds inputs to look at.
 */
export async function loadRunFromFiles(files: readonly File[]): Promise<LoadedRun> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const extra = files.find((f) => f.name.endsWith('.safetensors') && f.name !== CHECKPOINT_FILES.weights);
  const get: Get = async (name) => {
    const f = byName.get(name);
    return f ? new Uint8Array(await f.arrayBuffer()) : undefined;
  };
  const where = files.length ? `the ${files.length} files given` : 'no files';
  const run = await decodeRun(get, where);
  if (!extra) return run;
  const source = extra.name;
  return { ...run, inputs: readInputs(new Uint8Array(await extra.arrayBuffer()), run.config, source) };
}

/** A run directory served at `base` (a URL ending in `/`). */
export async function loadRunFromUrl(base: string): Promise<LoadedRun> {
  const dir = base.endsWith('/') ? base : `${base}/`;
  const get: Get = async (name) => {
    const url = new URL(name, new URL(dir, location.href)).href;
    const res = await fetch(url);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  return decodeRun(get, dir);
}

async function decodeRun(get: Get, where: string): Promise<LoadedRun> {
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
  if (isModernConfig(config))
    throw new Error(
      `${where}: a ${config.architecture} SAE; this page shows classic runs (encoder/decoder/sparsity) only so far`,
    );
  const params = decodeWeights(config, weights!, CHECKPOINT_FILES.weights);
  return { source: where, config, params, ...(runJson ? runInfo(text(runJson)) : {}) };
}

/** run.json's dataset and seed; a run.json that does not say them as expected is an error. */
function runInfo(doc: string): { dataset: string; seed: number } {
  const v = parseStrictJson(doc) as Record<string, unknown>;
  if (typeof v?.dataset !== 'string') throw new Error('run.json: "dataset" is not a string');
  if (!Number.isSafeInteger(v.seed)) throw new Error('run.json: "seed" is not an integer');
  return { dataset: v.dataset, seed: v.seed as number };
}

/** Inputs from a safetensors file: its one 2-D F32 tensor of width inputDim. */
export function readInputs(
  bytes: Uint8Array,
  config: SaeConfig,
  source: string,
): { x: Float32Array; n: number; source: string } {
  const { tensors } = decodeSafetensors(bytes, source);
  const fits = Object.entries(tensors).filter(
    ([, t]) => t.shape.length === 2 && t.shape[1] === config.inputDim,
  );
  if (fits.length !== 1) {
    const found = Object.entries(tensors).map(([k, t]) => `${k} [${t.shape.join(', ')}]`);
    throw new Error(
      `${source}: inputs must be one 2-D F32 tensor [n, ${config.inputDim}]; found ${fits.length} such among ${found.join(', ') || 'none'}`,
    );
  }
  const [, t] = fits[0];
  return { x: t.data, n: t.shape[0], source };
}
