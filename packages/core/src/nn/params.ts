import type { Rng } from '../rng.js';
import type { SaeConfig } from './config.js';

export const PARAM_NAMES = ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const;
export type ParamName = (typeof PARAM_NAMES)[number];

/** Parameters in the SAELens layout: W_enc [inputDim, hiddenDim], W_dec [hiddenDim, inputDim]. */
export type SaeParams = Record<ParamName, Float32Array>;

export function paramShapes(c: SaeConfig): Record<ParamName, number[]> {
  return {
    W_enc: [c.inputDim, c.hiddenDim],
    b_enc: [c.hiddenDim],
    W_dec: [c.hiddenDim, c.inputDim],
    b_dec: [c.inputDim],
  };
}

/** Keras' defaults: Glorot-uniform weights, limit sqrt(6 / (fan_in + fan_out)), zero biases. */
export function initParams(c: SaeConfig, rng: Rng): SaeParams {
  const limit = Math.sqrt(6 / (c.inputDim + c.hiddenDim));
  return {
    W_enc: rng.uniformArray(c.inputDim * c.hiddenDim, -limit, limit),
    b_enc: new Float32Array(c.hiddenDim),
    W_dec: rng.uniformArray(c.hiddenDim * c.inputDim, -limit, limit),
    b_dec: new Float32Array(c.inputDim),
  };
}

/** Checks each parameter's length against the config. */
export function checkParams(c: SaeConfig, p: Partial<Record<string, Float32Array>>): SaeParams {
  const shapes = paramShapes(c);
  for (const name of PARAM_NAMES) {
    const v = p[name];
    const n = shapes[name].reduce((a, b) => a * b, 1);
    if (!v) throw new Error(`parameters: "${name}" is missing`);
    if (v.length !== n)
      throw new Error(`parameters: "${name}" has ${v.length} values, [${shapes[name]}] needs ${n}`);
  }
  return p as SaeParams;
}
