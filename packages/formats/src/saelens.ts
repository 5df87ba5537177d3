/**
 * SAELens: `cfg.json` + `sae_weights.safetensors`, tensors named as the SAE's parameters
 * (W_enc [d_in, d_sae], W_dec [d_sae, d_out], ...). The config is read as SAELens 6 reads it
 * (pre-6 configs mapped as its handle_pre_6_0_config does); every key that changes the encoder is
 * honoured, and a value saekit does not compute is an error, never dropped.
 */
import { configFromJson, type JsonValue } from '@saekit/core';
import type { FloatDtype } from './dtype.js';
import { fail } from './errors.js';
import { count, flag, type JsonDoc } from './json-doc.js';
import type { LazySafetensors } from './lazy-safetensors.js';
import {
  ARCHITECTURES,
  checkLoaded,
  type ForwardSettings,
  foldInputScale,
  type LoadedSae,
  paramShapesOf,
  type SaeArchitecture,
  type SaeParamName,
} from './sae.js';
import type { Tensor } from './tensor.js';

export const SAELENS_FILES = Object.freeze({ config: 'cfg.json', weights: 'sae_weights.safetensors' });

export interface SaeLensOptions {
  /**
   * The dataset norm scaling factor of an SAE with normalize_activations "expected_average_only_in";
   * SAELens keeps it in its pretrained directory, not in the files, and folds it into the weights.
   */
  readonly normScalingFactor?: number;
}

/** SAELens names for training-only architectures, saved for inference as another one. */
const SAVED_AS: Readonly<Record<string, string>> = {
  batchtopk: 'jumprelu (a per-latent threshold)',
  matryoshka_batchtopk: 'jumprelu (a per-latent threshold)',
};

interface Settings {
  readonly architecture: SaeArchitecture;
  readonly dIn: number;
  readonly dSae: number;
  readonly dOut: number;
  readonly forward: ForwardSettings;
  readonly scale: number;
}

/** The architecture, sizes and encoder settings a SAELens cfg.json asks for. */
export function saeLensSettings(doc: JsonDoc, source: string, opts: SaeLensOptions = {}): Settings {
  const bad = (msg: string): never => fail(source, msg);
  // saekit's own checkpoints carry their full config; it must be valid and agree with the fields beside it.
  if ('saekit' in doc) {
    const c = configFromJson(doc, source);
    if ('encoder' in c && c.encoder === 'sigmoid')
      bad('a saekit sigmoid encoder has no SAELens architecture');
  }
  let arch = doc.architecture ?? 'standard';
  if (typeof arch !== 'string' || !(ARCHITECTURES as readonly string[]).includes(arch)) {
    const hint = typeof arch === 'string' ? SAVED_AS[arch] : undefined;
    return bad(
      `architecture ${JSON.stringify(arch)} is not one saekit reads (${ARCHITECTURES.join(', ')})${hint ? `; SAELens saves ${arch} for inference as ${hint}` : ''}`,
    );
  }
  const act = doc.activation_fn ?? doc.activation_fn_str ?? null;
  const kwargs = doc.activation_fn_kwargs ?? {};
  if (typeof kwargs !== 'object' || Array.isArray(kwargs) || kwargs === null)
    bad('activation_fn_kwargs must be an object');
  const kw = kwargs as JsonDoc;
  for (const key of Object.keys(kw))
    if (key !== 'k' && key !== 'signed') bad(`activation_fn_kwargs.${key} is not supported`);
  if ((kw.signed ?? false) !== false) bad('activation_fn_kwargs.signed=true (signed top-k) is not supported');
  if (act !== null && act !== 'relu' && act !== 'topk')
    bad(`activation_fn ${JSON.stringify(act)} is not supported (relu, topk)`);
  // As SAELens' pre-6 mapping: a "standard" SAE with a topk activation and a k is a topk SAE.
  if (arch === 'standard' && act === 'topk') arch = 'topk';
  if (arch !== 'topk' && act === 'topk') bad(`activation_fn "topk" with architecture "${arch}"`);
  if (arch === 'topk' && act === 'relu') bad('architecture "topk" with activation_fn "relu"');
  const architecture = arch as SaeArchitecture;
  const dIn = count(doc, 'd_in', source);
  const dSae = count(doc, 'd_sae', source);
  const transcoder = architecture.endsWith('transcoder');
  const dOut = transcoder ? count(doc, 'd_out', source) : dIn;
  if (!transcoder && doc.d_out !== undefined && doc.d_out !== null && doc.d_out !== dIn)
    bad(`d_out=${JSON.stringify(doc.d_out)} differs from d_in=${dIn} for a ${architecture} SAE`);
  let k: number | undefined;
  if (architecture === 'topk') {
    if (doc.k !== undefined && kw.k !== undefined && doc.k !== kw.k)
      bad(`k=${JSON.stringify(doc.k)} contradicts activation_fn_kwargs.k=${JSON.stringify(kw.k)}`);
    // SAELens' TopKSAEConfig default.
    k = (doc.k ?? kw.k ?? 100) as number;
  }
  if (flag(doc, 'finetuning_scaling_factor', false, source))
    bad('finetuning_scaling_factor=true is not supported');
  const reshape = doc.reshape_activations ?? 'none';
  if (reshape !== 'none' && reshape !== 'hook_z')
    bad(`reshape_activations ${JSON.stringify(reshape)} is not supported (none, hook_z)`);
  const { normalize, scale } = normalization(doc.normalize_activations ?? 'none', source, opts);
  return {
    architecture,
    dIn,
    dSae,
    dOut,
    scale,
    forward: {
      // SAELens' default is true; its transcoders never subtract b_dec (it is d_out long).
      applyBDecToInput: transcoder ? false : flag(doc, 'apply_b_dec_to_input', true, source),
      normalize,
      ...(k !== undefined ? { k } : {}),
      rescaleActsByDecoderNorm:
        architecture === 'topk' && flag(doc, 'rescale_acts_by_decoder_norm', false, source),
    },
  };
}

function normalization(
  v: JsonValue,
  source: string,
  opts: SaeLensOptions,
): { normalize: ForwardSettings['normalize']; scale: number } {
  if (v === 'none' || v === false) return { normalize: 'none', scale: 1 };
  if (v === 'constant_norm_rescale' || v === 'layer_norm') return { normalize: v, scale: 1 };
  if (v === 'expected_average_only_in' || v === true) {
    const s = opts.normScalingFactor;
    if (s === undefined)
      fail(
        source,
        'normalize_activations "expected_average_only_in" needs the dataset norm scaling factor, which is not in the files: pass normScalingFactor',
      );
    if (!(Number.isFinite(s) && s > 0)) fail(source, `normScalingFactor must be a positive number, got ${s}`);
    return { normalize: 'none', scale: s };
  }
  return fail(
    source,
    `normalize_activations ${JSON.stringify(v)} is not supported (none, expected_average_only_in, constant_norm_rescale, layer_norm)`,
  );
}

/** Reads the tensors a configuration needs from an opened safetensors file. */
export async function readSaeLens(
  doc: JsonDoc,
  weights: LazySafetensors,
  configName: string,
  opts: SaeLensOptions = {},
): Promise<LoadedSae> {
  const st = saeLensSettings(doc, configName, opts);
  // Every shape is checked against the config before any tensor's bytes are read.
  const want = paramShapesOf(st.architecture, st.dIn, st.dSae, st.dOut);
  const src = weights.source.name;
  for (const name of weights.names()) {
    if (name === 'log_threshold')
      fail(
        src,
        'has "log_threshold": a SAELens training checkpoint; save it for inference (threshold) first',
      );
    const shape = want[name as SaeParamName];
    if (!shape) fail(src, `unexpected tensor "${name}" for a ${st.architecture} SAE`);
    const e = weights.entry(name);
    if (e && e.shape.join(',') !== shape.join(','))
      fail(
        src,
        `tensor "${name}" has shape [${e?.shape}], the config (d_in=${st.dIn}, d_sae=${st.dSae}) needs [${shape}]`,
      );
  }
  for (const name of Object.keys(want))
    if (!weights.entry(name)) fail(src, `tensor "${name}" is missing (a ${st.architecture} SAE needs it)`);
  const params: Partial<Record<SaeParamName, Tensor>> = {};
  for (const name of Object.keys(want)) params[name as SaeParamName] = await weights.tensor(name);
  const loaded: LoadedSae = {
    format: 'saelens',
    architecture: st.architecture,
    dIn: st.dIn,
    dSae: st.dSae,
    dOut: st.dOut,
    dtype: weightsDtype(weights),
    forward: st.forward,
    params: st.scale === 1 ? params : foldInputScale(params, st.scale),
    config: doc,
  };
  return checkLoaded(loaded, weights.source.name);
}

/** The dtype the weights are stored in, as the first tensor's. */
export function weightsDtype(weights: LazySafetensors): FloatDtype {
  const names = weights.names();
  if (names.length === 0) fail(weights.source.name, 'holds no tensors');
  return weights.dtype(names[0]);
}
