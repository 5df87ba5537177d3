/**
 * saekit's modern recipes (`ModernSaeConfig`: standard, topk, jumprelu, batchtopk, matryoshka) to
 * and from the neutral description, written as SAELens' `save_inference_model` writes them:
 * - jumprelu: `threshold = exp(log_threshold)` (JumpReLUTrainingSAE.process_state_dict_for_saving);
 * - batchtopk and matryoshka: architecture `jumprelu`, the scalar θ copied to every latent
 *   (BatchTopKTrainingSAE.process_state_dict_for_saving_inference; Matryoshka inherits it).
 * SAELens folds decoder norms into the weights only when `rescale_acts_by_decoder_norm` is set,
 * which saekit's recipes never are, so nothing is folded here.
 */
import {
  checkParams,
  type ModernSaeConfig,
  PARAM_NAMES,
  paramShapes,
  type SaeParams,
  validateModernConfig,
} from '@saekit/core';
import { SaeFormatError } from './errors.js';
import { checkLoaded, type LoadedSae, type SaeParamName } from './sae.js';
import type { Tensor } from './tensor.js';

/** A modern saekit model as SAELens saves it for inference. */
export function fromModernSaekit(config: ModernSaeConfig, params: SaeParams): LoadedSae {
  const c = validateModernConfig(config);
  checkParams(c, params);
  const shapes = paramShapes(c);
  const out: Partial<Record<SaeParamName, Tensor>> = Object.fromEntries(
    PARAM_NAMES.map((n) => [n, { shape: shapes[n], data: params[n] }]),
  );
  const H = c.hiddenDim;
  let architecture: LoadedSae['architecture'] = c.architecture === 'topk' ? 'topk' : 'standard';
  if (c.architecture === 'jumprelu') {
    architecture = 'jumprelu';
    out.threshold = { shape: [H], data: Float32Array.from(params.log_threshold as Float32Array, Math.exp) };
  } else if (c.architecture === 'batchtopk' || c.architecture === 'matryoshka') {
    architecture = 'jumprelu';
    out.threshold = { shape: [H], data: new Float32Array(H).fill((params.threshold as Float32Array)[0]) };
  }
  return checkLoaded(
    {
      format: 'saelens',
      architecture,
      dIn: c.inputDim,
      dSae: H,
      dOut: c.inputDim,
      dtype: 'F32',
      forward: {
        applyBDecToInput: c.applyBDecToInput,
        normalize: 'none',
        ...(c.architecture === 'topk' ? { k: c.k } : {}),
        rescaleActsByDecoderNorm: false,
      },
      params: out,
      config: {},
    },
    `saekit ${c.architecture} model`,
  );
}

/** The loss coefficients a modern config must carry; they do not change inference. */
export interface ToModernOptions {
  /** standard: the L1 coefficient (default 0). */
  readonly l1Coefficient?: number;
  /** jumprelu: the L0 coefficient (default 0). */
  readonly l0Coefficient?: number;
}

/**
 * A loaded SAE as a modern saekit config and parameters computing the same latents: SAELens
 * standard, topk and jumprelu (BatchTopK and Matryoshka come back as jumprelu, the form SAELens
 * saved them in), `log_threshold = ln(threshold)`. The loss coefficients are 0 unless given.
 * @throws SaeFormatError naming the setting or latent saekit's modern model does not compute
 */
export function toModernSaekit(
  s: LoadedSae,
  source: string = s.format,
  opts: ToModernOptions = {},
): { config: ModernSaeConfig; params: SaeParams } {
  const bad = (why: string): never => {
    throw new SaeFormatError(`${source}: saekit's modern model does not compute ${why}`);
  };
  if (s.architecture !== 'standard' && s.architecture !== 'topk' && s.architecture !== 'jumprelu')
    bad(`architecture ${s.architecture} (standard, topk, jumprelu)`);
  if (s.forward.normalize !== 'none') bad(`normalize_activations ${s.forward.normalize}`);
  if (s.forward.rescaleActsByDecoderNorm) bad('rescale_acts_by_decoder_norm=true');
  const base = { inputDim: s.dIn, hiddenDim: s.dSae, applyBDecToInput: s.forward.applyBDecToInput };
  const params = Object.fromEntries(PARAM_NAMES.map((n) => [n, s.params[n]?.data])) as unknown as SaeParams;
  let config: ModernSaeConfig;
  if (s.architecture === 'standard')
    config = { architecture: 'standard', ...base, l1Coefficient: opts.l1Coefficient ?? 0 };
  else if (s.architecture === 'topk') config = { architecture: 'topk', ...base, k: s.forward.k };
  else {
    const theta = (s.params.threshold as Tensor).data;
    // saekit's JumpReLU is pre·H(pre − θ), SAELens' ReLU(pre)·H(pre − θ): equal only for θ ≥ 0.
    const i = theta.findIndex((t) => !(t >= 0));
    if (i >= 0) bad(`threshold ${theta[i]} of latent ${i} (a JumpReLU threshold must be >= 0)`);
    config = { architecture: 'jumprelu', ...base, l0Coefficient: opts.l0Coefficient ?? 0 };
    params.log_threshold = Float32Array.from(theta, Math.log);
  }
  try {
    validateModernConfig(config);
  } catch (e) {
    bad((e as Error).message);
  }
  checkParams(config, params);
  return { config, params };
}
