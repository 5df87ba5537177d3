/**
 * saekit's own models (ReLU or TopK encoder, linear decoder: the classic recipes; the modern ones
 * are in modern.ts) to and from the neutral description, so they are written as SAELens SAEs and SAELens SAEs of the same kind run as
 * saekit models.
 */
import {
  type AnySaeConfig,
  checkParams,
  isModernConfig,
  PARAM_NAMES,
  paramShapes,
  type SaeConfig,
  type SaeParams,
  validateConfig,
} from '@saekit/core';
import { SaeFormatError } from './errors.js';
import { fromModernSaekit } from './modern.js';
import { checkLoaded, type LoadedSae } from './sae.js';

/** A saekit model, classic or modern (see modern.ts), as SAELens saves it for inference. */
export function fromSaekit(config: AnySaeConfig, params: SaeParams): LoadedSae {
  if (isModernConfig(config)) return fromModernSaekit(config, params);
  checkParams(config, params);
  if (config.encoder === 'sigmoid' || config.decoder !== 'identity')
    throw new SaeFormatError(
      `a saekit ${config.encoder} encoder with a ${config.decoder} decoder: no SAELens architecture computes it`,
    );
  const topk = config.encoder === 'topk';
  const shapes = paramShapes(config);
  return checkLoaded(
    {
      format: 'saelens',
      architecture: topk ? 'topk' : 'standard',
      dIn: config.inputDim,
      dSae: config.hiddenDim,
      dOut: config.inputDim,
      dtype: 'F32',
      forward: {
        applyBDecToInput: false,
        normalize: 'none',
        ...(topk ? { k: config.k } : {}),
        rescaleActsByDecoderNorm: false,
      },
      params: Object.fromEntries(PARAM_NAMES.map((n) => [n, { shape: shapes[n], data: params[n] }])),
      config: {},
    },
    'saekit model',
  );
}

/**
 * A loaded SAE as a saekit config and parameters, when saekit's model computes it: standard or
 * topk, b_dec not subtracted from the input, no normalization or decoder-norm rescaling.
 * @throws SaeFormatError saying which setting saekit's model lacks
 */
export function toSaekit(s: LoadedSae, source: string = s.format): { config: SaeConfig; params: SaeParams } {
  const why =
    s.architecture !== 'standard' && s.architecture !== 'topk'
      ? `architecture ${s.architecture}`
      : s.forward.applyBDecToInput
        ? 'apply_b_dec_to_input=true'
        : s.forward.normalize !== 'none'
          ? `normalize_activations ${s.forward.normalize}`
          : s.forward.rescaleActsByDecoderNorm
            ? 'rescale_acts_by_decoder_norm=true'
            : undefined;
  if (why)
    throw new SaeFormatError(
      `${source}: saekit's model does not compute ${why} (its encoder runs through encoderGraph; saekit export --model makes it ONNX)`,
    );
  const topk = s.architecture === 'topk';
  const config = validateConfig({
    inputDim: s.dIn,
    hiddenDim: s.dSae,
    encoder: topk ? 'topk' : 'relu',
    decoder: 'identity',
    sparsity: { kind: 'none' },
    ...(topk ? { k: s.forward.k } : {}),
  });
  const params = Object.fromEntries(PARAM_NAMES.map((n) => [n, s.params[n]?.data])) as unknown as SaeParams;
  checkParams(config, params);
  return { config, params };
}
