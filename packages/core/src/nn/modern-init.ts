import type { Rng } from '../rng.js';
import { type ModernSaeConfig, usesBatchTopK, validateModernConfig } from './modern-config.js';
import type { SaeParams } from './params.js';

/** SAELens' `decoder_init_norm`: standard and jumprelu decoder rows start at this norm. */
export const DECODER_INIT_NORM = 0.1;

/**
 * SAELens' initialisation: W_dec Kaiming-uniform (bound 1/√inputDim, as PyTorch's default for a
 * [hiddenDim, inputDim] weight), each row scaled to norm 0.1 (standard, jumprelu) or 1 (the TopK
 * family, whose decoders are kept unit-norm), W_enc = W_decᵀ, zero biases; jumprelu's
 * log_threshold = ln θ₀; BatchTopK's θ = 0. b_dec may then be set to the data's geometric median by the caller.
 */
export function initModernParams(config: ModernSaeConfig, rng: Rng): SaeParams {
  const c = validateModernConfig(config);
  const D = c.inputDim;
  const H = c.hiddenDim;
  const bound = 1 / Math.sqrt(D);
  const W_dec = rng.uniformArray(H * D, -bound, bound);
  const norm = c.architecture === 'topk' || usesBatchTopK(c) ? 1 : DECODER_INIT_NORM;
  for (let i = 0; i < H; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += W_dec[i * D + d] ** 2;
    const scale = s > 0 ? norm / Math.sqrt(s) : 0;
    for (let d = 0; d < D; d++) W_dec[i * D + d] *= scale;
  }
  const W_enc = new Float32Array(D * H);
  for (let i = 0; i < H; i++) for (let d = 0; d < D; d++) W_enc[d * H + i] = W_dec[i * D + d];
  const p: SaeParams = { W_enc, b_enc: new Float32Array(H), W_dec, b_dec: new Float32Array(D) };
  if (c.architecture === 'jumprelu')
    p.log_threshold = new Float32Array(H).fill(Math.log(c.jumpreluInitThreshold));
  if (usesBatchTopK(c)) p.threshold = new Float32Array(1); // SAELens starts θ at 0
  return p;
}
