/**
 * EleutherAI sparsify: `cfg.json` (d_in, k, num_latents or expansion_factor, ...) + `sae.safetensors`
 * with `encoder.weight` (nn.Linear, [d_sae, d_in]), `encoder.bias`, `W_dec`, `b_dec`. Its encoder is
 * relu(linear(x - b_dec)) then the top k. Orientation is read from the shapes: a matrix that fits
 * neither layout is an error, never transposed on a guess (a square one follows sparsify's own code).
 */
import { fail } from './errors.js';
import { count, flag, type JsonDoc } from './json-doc.js';
import type { LazySafetensors } from './lazy-safetensors.js';
import { checkLoaded, type LoadedSae } from './sae.js';
import { weightsDtype } from './saelens.js';
import { type Tensor, transpose2d } from './tensor.js';

export const SPARSIFY_FILES = Object.freeze({ config: 'cfg.json', weights: 'sae.safetensors' });

export function sparsifySizes(doc: JsonDoc, source: string): { dIn: number; dSae: number; k: number } {
  const dIn = count(doc, 'd_in', source);
  const latents = doc.num_latents ?? 0;
  const dSae =
    latents === 0 ? dIn * count(doc, 'expansion_factor', source) : count(doc, 'num_latents', source);
  const activation = doc.activation ?? 'topk';
  if (activation !== 'topk') fail(source, `activation ${JSON.stringify(activation)} is not supported (topk)`);
  if (flag(doc, 'transcode', false, source))
    fail(source, 'transcode=true (a sparsify transcoder) is not supported');
  if (flag(doc, 'skip_connection', false, source)) fail(source, 'skip_connection=true is not supported');
  const k = count(doc, 'k', source);
  return { dIn, dSae, k };
}

export async function readSparsify(
  doc: JsonDoc,
  weights: LazySafetensors,
  configName: string,
): Promise<LoadedSae> {
  const { dIn, dSae, k } = sparsifySizes(doc, configName);
  const src = weights.source.name;
  const known = new Set(['encoder.weight', 'encoder.bias', 'W_dec', 'b_dec']);
  for (const n of weights.names()) if (!known.has(n)) fail(src, `unexpected tensor "${n}" in a sparsify SAE`);
  // Each tensor's shape is checked, and its orientation settled, before any bytes are read.
  const plan = (name: string, native: number[]): boolean => {
    const e = weights.entry(name);
    if (!e) return fail(src, `tensor "${name}" is missing`);
    if (e.shape.join(',') === native.join(',')) return false;
    if (native.length === 2 && e.shape.join(',') === [native[1], native[0]].join(',')) return true;
    return fail(
      src,
      `tensor "${name}" has shape [${e.shape}], cfg.json (d_in=${dIn}, d_sae=${dSae}) needs [${native}]`,
    );
  };
  const flip = {
    enc: plan('encoder.weight', [dSae, dIn]),
    bias: plan('encoder.bias', [dSae]),
    dec: plan('W_dec', [dSae, dIn]),
    bDec: plan('b_dec', [dIn]),
  };
  const read = async (name: string, flipped: boolean): Promise<Tensor> => {
    const t = await weights.tensor(name);
    return flipped ? transpose2d(t) : t;
  };
  // encoder.weight is [d_sae, d_in] in its native layout; SAELens' W_enc is its transpose.
  const W_enc = transpose2d(await read('encoder.weight', flip.enc));
  return checkLoaded(
    {
      format: 'sparsify',
      architecture: 'topk',
      dIn,
      dSae,
      dOut: dIn,
      dtype: weightsDtype(weights),
      forward: { applyBDecToInput: true, normalize: 'none', k, rescaleActsByDecoderNorm: false },
      params: {
        W_enc,
        b_enc: await read('encoder.bias', flip.bias),
        W_dec: await read('W_dec', flip.dec),
        b_dec: await read('b_dec', flip.bDec),
      },
      config: doc,
    },
    src,
  );
}
