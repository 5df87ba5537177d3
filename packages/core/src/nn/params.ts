import type { Rng } from '../rng.js';
import { type AnySaeConfig, isModernConfig } from './config.js';
import { initModernParams } from './modern-init.js';

/** The parameters every SAE has. */
export const PARAM_NAMES = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];
/**
 * Every tensor name of any architecture: jumprelu adds `log_threshold` [hiddenDim] (trained);
 * batchtopk and matryoshka add `threshold` [1], the inference threshold θ (kept by the host state
 * during training, not by the optimizer).
 */
export type AnyParamName = ParamName | 'log_threshold' | 'threshold';

/** Parameters in the SAELens layout: W_enc [inputDim, hiddenDim], W_dec [hiddenDim, inputDim]. */
export type SaeParams = Record<ParamName, Float32Array> & {
  log_threshold?: Float32Array;
  threshold?: Float32Array;
};

/** The tensor names of this config's model, in checkpoint order. */
export function paramNamesOf(c: AnySaeConfig): readonly AnyParamName[] {
  if (!isModernConfig(c)) return PARAM_NAMES;
  if (c.architecture === 'jumprelu') return [...PARAM_NAMES, 'log_threshold'];
  if (c.architecture === 'batchtopk' || c.architecture === 'matryoshka') return [...PARAM_NAMES, 'threshold'];
  return PARAM_NAMES;
}

/** The tensors the optimizer trains: all but BatchTopK's θ. */
export function trainedParamNames(c: AnySaeConfig): readonly AnyParamName[] {
  return paramNamesOf(c).filter((n) => n !== 'threshold');
}

export function paramShapes(
  c: AnySaeConfig,
): Record<ParamName, number[]> & { log_threshold?: number[]; threshold?: number[] } {
  const s = {
    W_enc: [c.inputDim, c.hiddenDim],
    b_enc: [c.hiddenDim],
    W_dec: [c.hiddenDim, c.inputDim],
    b_dec: [c.inputDim],
  };
  const names = paramNamesOf(c);
  if (names.includes('log_threshold')) return { ...s, log_threshold: [c.hiddenDim] };
  if (names.includes('threshold')) return { ...s, threshold: [1] };
  return s;
}

/**
 * Classic configs: Keras' defaults, Glorot-uniform weights, limit sqrt(6 / (fan_in + fan_out)),
 * zero biases. Modern ones: SAELens' tied initialisation (see `initModernParams`).
 */
export function initParams(c: AnySaeConfig, rng: Rng): SaeParams {
  if (isModernConfig(c)) return initModernParams(c, rng);
  const limit = Math.sqrt(6 / (c.inputDim + c.hiddenDim));
  return {
    W_enc: rng.uniformArray(c.inputDim * c.hiddenDim, -limit, limit),
    b_enc: new Float32Array(c.hiddenDim),
    W_dec: rng.uniformArray(c.hiddenDim * c.inputDim, -limit, limit),
    b_dec: new Float32Array(c.inputDim),
  };
}

/** Checks each parameter's length against the config. */
export function checkParams(c: AnySaeConfig, p: Partial<Record<string, Float32Array>>): SaeParams {
  const shapes = paramShapes(c) as Record<string, number[]>;
  for (const name of paramNamesOf(c)) {
    const v = p[name];
    const n = shapes[name].reduce((a, b) => a * b, 1);
    if (!v) throw new Error(`parameters: "${name}" is missing`);
    if (v.length !== n)
      throw new Error(`parameters: "${name}" has ${v.length} values, [${shapes[name]}] needs ${n}`);
  }
  return p as SaeParams;
}
