/**
 * The cfg.json fields of a modern recipe: SAELens' names where SAELens has the setting, beside our
 * full config under `saekit` (which is what is read back; the SAELens fields must agree with it).
 */
import { type ModernSaeConfig, validateModernConfig } from '../nn/modern-config.js';

/** saekit's architecture name → SAELens' (Matryoshka is a BatchTopK variant there). */
const SAELENS_NAME: Readonly<Record<ModernSaeConfig['architecture'], string>> = {
  standard: 'standard',
  topk: 'topk',
  batchtopk: 'batchtopk',
  jumprelu: 'jumprelu',
  matryoshka: 'matryoshka_batchtopk',
};

/** The SAELens-named fields of a modern config (only those set, defaults filled in). */
export function modernConfigToJson(config: ModernSaeConfig): Record<string, unknown> {
  const c = validateModernConfig(config);
  const out: Record<string, unknown> = {
    architecture: SAELENS_NAME[c.architecture],
    d_in: c.inputDim,
    d_sae: c.hiddenDim,
    dtype: 'float32',
    apply_b_dec_to_input: c.applyBDecToInput,
    normalize_activations: 'none',
  };
  const optional: Record<string, unknown> = {
    k: c.k,
    l1_coefficient: c.l1Coefficient,
    l0_coefficient: c.l0Coefficient,
    jumprelu_bandwidth: c.architecture === 'jumprelu' ? c.jumpreluBandwidth : undefined,
    jumprelu_init_threshold: c.architecture === 'jumprelu' ? c.jumpreluInitThreshold : undefined,
    topk_threshold_lr:
      c.architecture === 'batchtopk' || c.architecture === 'matryoshka' ? c.topkThresholdLr : undefined,
    matryoshka_widths: c.matryoshkaWidths,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) out[k] = v;
  return out;
}
