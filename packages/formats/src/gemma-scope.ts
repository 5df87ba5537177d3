/**
 * Gemma Scope: JumpReLU SAEs as `params.npz` (written by NumPy: W_enc [d_in, d_sae], W_dec
 * [d_sae, d_in], b_enc, b_dec, threshold), and in its second release as `params.safetensors` with
 * lowercase names (w_enc, w_dec, ...). Keys map as SAELens' loader maps them ("w_x" -> "W_x"). There
 * is no config file: the sizes are the tensors' shapes, and the encoder is relu(x W_enc + b_enc)
 * masked where the pre-activation is not above the threshold.
 */

import type { FloatDtype } from './dtype.js';
import { fail } from './errors.js';
import type { LazySafetensors } from './lazy-safetensors.js';
import { checkLoaded, type LoadedSae, type SaeParamName } from './sae.js';
import type { Tensor } from './tensor.js';

export const GEMMA_SCOPE_FILES = Object.freeze({ npz: 'params.npz', safetensors: 'params.safetensors' });

const NAMES: ReadonlySet<string> = new Set(['W_enc', 'W_dec', 'b_enc', 'b_dec', 'threshold']);

/** A Gemma Scope SAE from its named arrays (from the .npz or the safetensors file). */
export function gemmaScopeFromArrays(
  arrays: ReadonlyMap<string, Tensor>,
  dtype: FloatDtype,
  source: string,
): LoadedSae {
  const params: Partial<Record<SaeParamName, Tensor>> = {};
  for (const [key, t] of arrays) {
    const name = key.startsWith('w_') ? `W_${key.slice(2)}` : key;
    if (!NAMES.has(name))
      fail(source, `unexpected array "${key}" in a Gemma Scope SAE (${[...NAMES].join(', ')})`);
    if (params[name as SaeParamName]) fail(source, `array "${key}" appears twice (as ${name})`);
    params[name as SaeParamName] = t;
  }
  const W_enc = params.W_enc;
  if (!W_enc) return fail(source, 'array "W_enc" is missing');
  if (W_enc.shape.length !== 2) fail(source, `W_enc has shape [${W_enc.shape}], not [d_in, d_sae]`);
  const [dIn, dSae] = W_enc.shape;
  return checkLoaded(
    {
      format: 'gemma-scope',
      architecture: 'jumprelu',
      dIn,
      dSae,
      dOut: dIn,
      dtype,
      forward: { applyBDecToInput: false, normalize: 'none', rescaleActsByDecoderNorm: false },
      params,
      config: { architecture: 'jumprelu', d_in: dIn, d_sae: dSae },
    },
    source,
  );
}

export async function readGemmaScopeSafetensors(weights: LazySafetensors): Promise<LoadedSae> {
  const arrays = new Map<string, Tensor>();
  for (const n of weights.names()) arrays.set(n, await weights.tensor(n));
  const names = weights.names();
  if (names.length === 0) fail(weights.source.name, 'holds no tensors');
  return gemmaScopeFromArrays(arrays, weights.dtype(names[0]), weights.source.name);
}
