/**
 * Llama Scope (OpenMOSS): `hyperparams.json` + `checkpoints/final.safetensors` with
 * `encoder.weight` [d_sae, d_in], `decoder.weight` [d_in, d_sae], `encoder.bias`, `decoder.bias`, and
 * one JumpReLU threshold for all latents in the hyperparameters. As SAELens loads it: inputs are
 * scaled by s = sqrt(d_model) / dataset_average_activation_norm.in (folded into the weights) and
 * the threshold is jump_relu_threshold * s.
 */
import { fail } from './errors.js';
import { count, type JsonDoc } from './json-doc.js';
import type { LazySafetensors } from './lazy-safetensors.js';
import { checkLoaded, foldInputScale, type LoadedSae } from './sae.js';
import { weightsDtype } from './saelens.js';
import { type Tensor, transpose2d } from './tensor.js';

export const LLAMA_SCOPE_FILES = Object.freeze({
  config: 'hyperparams.json',
  weights: 'checkpoints/final.safetensors',
});

export async function readLlamaScope(
  doc: JsonDoc,
  weights: LazySafetensors,
  configName: string,
): Promise<LoadedSae> {
  const dIn = count(doc, 'd_model', configName);
  const dSae = count(doc, 'd_sae', configName);
  const act = doc.act_fn ?? 'jumprelu';
  if (act !== 'jumprelu') fail(configName, `act_fn ${JSON.stringify(act)} is not supported (jumprelu)`);
  const thr = doc.jump_relu_threshold;
  if (typeof thr !== 'number' || !Number.isFinite(thr))
    fail(configName, 'jump_relu_threshold must be a number');
  const norms = doc.dataset_average_activation_norm;
  const normIn = norms && typeof norms === 'object' && !Array.isArray(norms) ? norms.in : undefined;
  if (typeof normIn !== 'number' || !(normIn > 0))
    fail(configName, 'dataset_average_activation_norm.in must be a positive number');
  const s = Math.sqrt(dIn) / (normIn as number);
  const src = weights.source.name;
  const known = new Set(['encoder.weight', 'encoder.bias', 'decoder.weight', 'decoder.bias']);
  for (const n of weights.names())
    if (!known.has(n)) fail(src, `unexpected tensor "${n}" in a Llama Scope SAE`);
  const shapes: Record<string, number[]> = {
    'encoder.weight': [dSae, dIn],
    'encoder.bias': [dSae],
    'decoder.weight': [dIn, dSae],
    'decoder.bias': [dIn],
  };
  // Every shape is checked before any tensor's bytes are read.
  for (const [name, shape] of Object.entries(shapes)) {
    const e = weights.entry(name);
    if (!e) fail(src, `tensor "${name}" is missing`);
    if (e?.shape.join(',') !== shape.join(','))
      fail(
        src,
        `tensor "${name}" has shape [${e?.shape}], hyperparams.json (d_model=${dIn}, d_sae=${dSae}) needs [${shape}]`,
      );
  }
  const shaped = (name: string): Promise<Tensor> => weights.tensor(name);
  const params = foldInputScale(
    {
      W_enc: transpose2d(await shaped('encoder.weight')),
      b_enc: await shaped('encoder.bias'),
      W_dec: transpose2d(await shaped('decoder.weight')),
      b_dec: await shaped('decoder.bias'),
      threshold: { shape: [dSae], data: new Float32Array(dSae).fill((thr as number) * s) },
    },
    s,
  );
  return checkLoaded(
    {
      format: 'llama-scope',
      architecture: 'jumprelu',
      dIn,
      dSae,
      dOut: dIn,
      dtype: weightsDtype(weights),
      forward: { applyBDecToInput: false, normalize: 'none', rescaleActsByDecoderNorm: false },
      params,
      config: doc,
    },
    src,
  );
}
