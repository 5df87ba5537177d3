import { type AnySaeConfig, isModernConfig } from './config.js';
import { paramNamesOf, type SaeParams } from './params.js';

/**
 * Folds an input scale into the weights (SAELens' `fold_activation_norm_scaling_factor`): a model
 * trained on x' = s·x becomes one that takes raw x. With W_enc' = s·W_enc the pre-activations
 * x·W_enc' + b_enc = x'·W_enc + b_enc, so the latents are the same; with W_dec' = W_dec / s and
 * b_dec' = b_dec / s the reconstruction is x̂' / s, back on the scale of x. Only an identity
 * decoder folds (a sigmoid of x̂' cannot be divided by s inside). Modern recipes fold the same way:
 * with b_dec subtracted first, (x − b_dec')·W_enc' = (x' − b_dec)·W_enc; thresholds act on the
 * pre-activations or latents, which do not change.
 */
export function foldInputScale(config: AnySaeConfig, params: SaeParams, scale: number): SaeParams {
  if (!(scale > 0 && Number.isFinite(scale)))
    throw new RangeError(`foldInputScale: the scale must be a positive number, got ${scale}`);
  if (!isModernConfig(config) && config.decoder !== 'identity')
    throw new RangeError(
      `foldInputScale: a ${config.decoder} decoder cannot take the input scale into its weights (only identity)`,
    );
  const out = Object.fromEntries(
    paramNamesOf(config).map((n) => [n, Float32Array.from(params[n] as Float32Array)]),
  ) as SaeParams;
  for (let i = 0; i < out.W_enc.length; i++) out.W_enc[i] *= scale;
  for (const n of ['W_dec', 'b_dec'] as const) for (let i = 0; i < out[n].length; i++) out[n][i] /= scale;
  return out;
}

/** SAELens' scale: √d_in / E‖x‖, so that the scaled inputs have a mean norm of √d_in. */
export function inputScaleFor(dim: number, meanNorm: number): number {
  if (!(meanNorm > 0 && Number.isFinite(meanNorm)))
    throw new RangeError(`inputScaleFor: the mean norm must be a positive number, got ${meanNorm}`);
  return Math.sqrt(dim) / meanNorm;
}
