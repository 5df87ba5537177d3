/**
 * A loaded SAE, whatever format it came from, described in SAELens' layout (W_enc [d_in, d_sae],
 * W_dec [d_sae, d_out]) with every setting that changes the encoder spelled out, so one encoder
 * (encoder-graph.ts) runs them all.
 */
import type { JsonValue } from '@saekit/core';
import type { FloatDtype } from './dtype.js';
import { fail } from './errors.js';
import { sameShape, type Tensor } from './tensor.js';

export type SaeFormat = 'saelens' | 'sparsify' | 'gemma-scope' | 'llama-scope';

export type SaeArchitecture =
  | 'standard'
  | 'topk'
  | 'jumprelu'
  | 'gated'
  | 'transcoder'
  | 'skip_transcoder'
  | 'jumprelu_transcoder';

export const ARCHITECTURES: readonly SaeArchitecture[] = [
  'standard',
  'topk',
  'jumprelu',
  'gated',
  'transcoder',
  'skip_transcoder',
  'jumprelu_transcoder',
];

/** What the encoder does to its input and pre-activations beyond x W_enc + b_enc. */
export interface ForwardSettings {
  /** Subtract b_dec from the input first (SAELens' apply_b_dec_to_input; sparsify always). */
  readonly applyBDecToInput: boolean;
  /** Per-example input normalization, as SAELens' normalize_activations. */
  readonly normalize: 'none' | 'constant_norm_rescale' | 'layer_norm';
  /** Latents kept per example (topk). */
  readonly k?: number;
  /** Pre-activations times each latent's decoder norm before the top-k (SAELens topk). */
  readonly rescaleActsByDecoderNorm: boolean;
}

export type SaeParamName =
  | 'W_enc'
  | 'b_enc'
  | 'W_dec'
  | 'b_dec'
  | 'threshold'
  | 'b_gate'
  | 'r_mag'
  | 'b_mag'
  | 'W_skip';

export interface LoadedSae {
  readonly format: SaeFormat;
  readonly architecture: SaeArchitecture;
  readonly dIn: number;
  readonly dSae: number;
  /** d_in, except for transcoders. */
  readonly dOut: number;
  /** The stored dtype of the weights. */
  readonly dtype: FloatDtype;
  readonly forward: ForwardSettings;
  readonly params: Readonly<Partial<Record<SaeParamName, Tensor>>>;
  /** The config document as published, for display. */
  readonly config: Readonly<Record<string, JsonValue>>;
}

/** The parameters an architecture has, with their shapes. */
export function paramShapesOf(
  arch: SaeArchitecture,
  dIn: number,
  dSae: number,
  dOut: number,
): Partial<Record<SaeParamName, readonly number[]>> {
  const base = { W_enc: [dIn, dSae], W_dec: [dSae, dOut], b_dec: [dOut] };
  switch (arch) {
    case 'standard':
    case 'topk':
    case 'transcoder':
      return { ...base, b_enc: [dSae] };
    case 'jumprelu':
    case 'jumprelu_transcoder':
      return { ...base, b_enc: [dSae], threshold: [dSae] };
    case 'gated':
      return { ...base, b_gate: [dSae], r_mag: [dSae], b_mag: [dSae] };
    case 'skip_transcoder':
      return { ...base, b_enc: [dSae], W_skip: [dOut, dIn] };
  }
}

/** Every parameter the architecture needs is present with its shape, and no other is. */
export function checkLoaded(s: LoadedSae, source: string): LoadedSae {
  const want = paramShapesOf(s.architecture, s.dIn, s.dSae, s.dOut);
  for (const [name, shape] of Object.entries(want) as [SaeParamName, readonly number[]][]) {
    const t = s.params[name];
    if (!t) fail(source, `tensor "${name}" is missing (a ${s.architecture} SAE needs it)`);
    if (!sameShape(t.shape, shape))
      fail(
        source,
        `tensor "${name}" has shape [${t.shape}], the config (d_in=${s.dIn}, d_sae=${s.dSae}) needs [${shape}]`,
      );
  }
  for (const name of Object.keys(s.params))
    if (!(name in want)) fail(source, `unexpected tensor "${name}" for a ${s.architecture} SAE`);
  if (
    s.architecture === 'topk' &&
    !(Number.isInteger(s.forward.k) && (s.forward.k as number) >= 1 && (s.forward.k as number) <= s.dSae)
  )
    fail(source, `k=${s.forward.k} must be an integer from 1 to d_sae=${s.dSae}`);
  if (s.forward.applyBDecToInput && s.dOut !== s.dIn)
    fail(source, 'apply_b_dec_to_input with d_out != d_in: b_dec cannot be subtracted from the input');
  return s;
}

/**
 * A constant input scale `s` folded into the weights as SAELens' fold_activation_norm_scaling_factor
 * does (W_enc * s, W_dec / s, b_dec / s): the latents of x are then those of the model on s x.
 */
export function foldInputScale(
  params: Partial<Record<SaeParamName, Tensor>>,
  s: number,
): Partial<Record<SaeParamName, Tensor>> {
  const scaled = (t: Tensor | undefined, f: number): Tensor | undefined =>
    t && { shape: t.shape, data: t.data.map((v) => v * f) };
  return {
    ...params,
    W_enc: scaled(params.W_enc, s),
    W_dec: scaled(params.W_dec, 1 / s),
    b_dec: scaled(params.b_dec, 1 / s),
  };
}
