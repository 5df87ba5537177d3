/**
 * Writing: a loaded SAE (or one saekit trained) as SAELens or sparsify files, F32 or rounded to
 * F16 / BF16 on request. Returns the files' bytes; writing them to disk is the caller's (the Node
 * entry writes each atomically).
 */
import { encodeSafetensors, type NamedTensor, type WriteDtype } from '@saekit/core';
import { SaeFormatError } from './errors.js';
import type { LoadedSae, SaeParamName } from './sae.js';
import { SAELENS_FILES } from './saelens.js';
import { SPARSIFY_FILES } from './sparsify.js';
import { transpose2d } from './tensor.js';

const TORCH_DTYPE: Readonly<Record<WriteDtype, string>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
};
/** The SAELens config layout written (its 6.x cfg.json; without it SAELens reads a pre-6 config). */
const SAELENS_VERSION = '6.0.0';

const json = (doc: unknown): Uint8Array => new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);

/** cfg.json and sae_weights.safetensors as SAELens 6 saves them. */
export function saeLensFiles(s: LoadedSae, dtype: WriteDtype = 'F32'): Record<string, Uint8Array> {
  const transcoder = s.architecture.endsWith('transcoder');
  const cfg = {
    architecture: s.architecture,
    d_in: s.dIn,
    d_sae: s.dSae,
    ...(transcoder ? { d_out: s.dOut } : {}),
    dtype: TORCH_DTYPE[dtype],
    device: 'cpu',
    apply_b_dec_to_input: s.forward.applyBDecToInput,
    normalize_activations: s.forward.normalize,
    reshape_activations: 'none',
    ...(s.architecture === 'topk'
      ? { k: s.forward.k, rescale_acts_by_decoder_norm: s.forward.rescaleActsByDecoderNorm }
      : {}),
    metadata: { sae_lens_version: SAELENS_VERSION, sae_lens_training_version: SAELENS_VERSION },
  };
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, t] of Object.entries(s.params)) if (t) tensors[name] = t;
  return {
    [SAELENS_FILES.config]: json(cfg),
    [SAELENS_FILES.weights]: encodeSafetensors(tensors, { format: 'pt' }, dtype),
  };
}

/**
 * cfg.json and sae.safetensors as sparsify saves them: TopK SAEs only. Sparsify always subtracts
 * b_dec from the input; an SAE that does not is written with b_enc - b_dec W_enc (in float64), the
 * same pre-activations up to float32 rounding.
 */
export function sparsifyFiles(s: LoadedSae, dtype: WriteDtype = 'F32'): Record<string, Uint8Array> {
  const why =
    s.architecture !== 'topk'
      ? `a ${s.architecture} SAE (sparsify holds TopK SAEs only)`
      : s.forward.rescaleActsByDecoderNorm
        ? 'rescale_acts_by_decoder_norm=true (sparsify has no such setting)'
        : s.forward.normalize !== 'none'
          ? `normalize_activations ${s.forward.normalize} (sparsify has no such setting)`
          : undefined;
  if (why) throw new SaeFormatError(`cannot write ${why}`);
  const p = s.params as Required<
    Pick<Record<SaeParamName, NamedTensor>, 'W_enc' | 'b_enc' | 'W_dec' | 'b_dec'>
  >;
  let bEnc = p.b_enc.data;
  if (!s.forward.applyBDecToInput) {
    bEnc = new Float32Array(s.dSae);
    for (let j = 0; j < s.dSae; j++) {
      let acc = p.b_enc.data[j];
      for (let i = 0; i < s.dIn; i++) acc += p.b_dec.data[i] * p.W_enc.data[i * s.dSae + j];
      bEnc[j] = acc;
    }
  }
  const cfg = {
    activation: 'topk',
    expansion_factor: Math.max(1, Math.round(s.dSae / s.dIn)),
    normalize_decoder: true,
    num_latents: s.dSae,
    k: s.forward.k,
    multi_topk: false,
    skip_connection: false,
    transcode: false,
    d_in: s.dIn,
  };
  return {
    [SPARSIFY_FILES.config]: json(cfg),
    [SPARSIFY_FILES.weights]: encodeSafetensors(
      {
        'encoder.weight': transpose2d(p.W_enc),
        'encoder.bias': { shape: [s.dSae], data: bEnc },
        W_dec: p.W_dec,
        b_dec: p.b_dec,
      },
      { format: 'pt' },
      dtype,
    ),
  };
}
