/** One entry point for every format: which files a folder holds says what it is. */
import { fail } from './errors.js';
import type { SaeFiles } from './files.js';
import { GEMMA_SCOPE_FILES, gemmaScopeFromArrays, readGemmaScopeSafetensors } from './gemma-scope.js';
import { readJsonDoc } from './json-doc.js';
import { LazySafetensors } from './lazy-safetensors.js';
import { LLAMA_SCOPE_FILES, readLlamaScope } from './llama-scope.js';
import { parseNpz } from './npz.js';
import type { LoadedSae, SaeFormat } from './sae.js';
import { readSaeLens, SAELENS_FILES, type SaeLensOptions } from './saelens.js';
import { readAll } from './source.js';
import { readSparsify, SPARSIFY_FILES } from './sparsify.js';

export interface LoadOptions extends SaeLensOptions {
  /** The largest .npz read whole (default 8 GiB); zip archives are not read lazily. */
  readonly maxNpzBytes?: number;
}

/** The format of a folder, from its file names alone (nothing but existence is read). */
export async function detectFormat(files: SaeFiles): Promise<SaeFormat> {
  const has = async (rel: string): Promise<boolean> => (await files.open(rel)) !== undefined;
  if (await has(SAELENS_FILES.config)) {
    if (await has(SAELENS_FILES.weights)) return 'saelens';
    if (await has(SPARSIFY_FILES.weights)) return 'sparsify';
    return fail(
      files.name,
      `has cfg.json but neither ${SAELENS_FILES.weights} (SAELens) nor ${SPARSIFY_FILES.weights} (sparsify)`,
    );
  }
  if (await has(LLAMA_SCOPE_FILES.config)) return 'llama-scope';
  if ((await has(GEMMA_SCOPE_FILES.npz)) || (await has(GEMMA_SCOPE_FILES.safetensors))) return 'gemma-scope';
  return fail(
    files.name,
    'is not a known SAE folder: none of cfg.json (SAELens, sparsify), hyperparams.json (Llama Scope), params.npz / params.safetensors (Gemma Scope)',
  );
}

/** Loads the SAE in `files`, whichever format it is in. */
export async function loadSae(files: SaeFiles, opts: LoadOptions = {}): Promise<LoadedSae> {
  const format = await detectFormat(files);
  const open = async (rel: string) => {
    const src = await files.open(rel);
    if (!src) return fail(files.name, `${rel} is missing`);
    return src;
  };
  const safetensors = async (rel: string) => {
    const src = await open(rel);
    try {
      return await LazySafetensors.open(src);
    } catch (e) {
      await src.close?.();
      throw e;
    }
  };
  const withWeights = async (rel: string, read: (w: LazySafetensors) => Promise<LoadedSae>) => {
    const w = await safetensors(rel);
    try {
      return await read(w);
    } finally {
      await w.source.close?.();
    }
  };
  switch (format) {
    case 'saelens': {
      const cfg = await open(SAELENS_FILES.config);
      const doc = await readJsonDoc(cfg);
      return withWeights(SAELENS_FILES.weights, (w) => readSaeLens(doc, w, cfg.name, opts));
    }
    case 'sparsify': {
      const cfg = await open(SPARSIFY_FILES.config);
      const doc = await readJsonDoc(cfg);
      return withWeights(SPARSIFY_FILES.weights, (w) => readSparsify(doc, w, cfg.name));
    }
    case 'llama-scope': {
      const cfg = await open(LLAMA_SCOPE_FILES.config);
      const doc = await readJsonDoc(cfg);
      return withWeights(LLAMA_SCOPE_FILES.weights, (w) => readLlamaScope(doc, w, cfg.name));
    }
    case 'gemma-scope': {
      const npz = await files.open(GEMMA_SCOPE_FILES.npz);
      if (!npz) return withWeights(GEMMA_SCOPE_FILES.safetensors, readGemmaScopeSafetensors);
      try {
        const arrays = parseNpz(await readAll(npz, opts.maxNpzBytes ?? 2 ** 33), npz.name);
        const first = arrays.values().next().value;
        return gemmaScopeFromArrays(arrays, first?.dtype ?? 'F32', npz.name);
      } finally {
        await npz.close?.();
      }
    }
  }
}
