import { type Architecture, type ModernSaeConfig, validateModernConfig } from './modern-config.js';

type Json = Readonly<Record<string, unknown>>;

/** SAELens' architecture names, and the one saekit uses for each. */
const SAELENS_ARCH: Readonly<Record<string, Architecture>> = {
  standard: 'standard',
  topk: 'topk',
  batchtopk: 'batchtopk',
  jumprelu: 'jumprelu',
  matryoshka_batchtopk: 'matryoshka',
};

/**
 * A modern config from SAELens' `cfg.json` names (d_in, d_sae, apply_b_dec_to_input, ...; the
 * golden cases use them). Options saekit does not implement with their non-default value are
 * refused by name rather than ignored.
 */
export function modernConfigFromSaeLens(cfg: Json): ModernSaeConfig {
  const bad = (m: string): never => {
    throw new RangeError(`SAELens config: ${m}`);
  };
  const arch = SAELENS_ARCH[String(cfg.architecture)];
  if (!arch)
    bad(
      `architecture ${JSON.stringify(cfg.architecture)} is not one of ${Object.keys(SAELENS_ARCH).join(', ')}`,
    );
  if (cfg.rescale_acts_by_decoder_norm === true) bad('rescale_acts_by_decoder_norm=true is not supported');
  if (cfg.jumprelu_sparsity_loss_mode !== undefined && cfg.jumprelu_sparsity_loss_mode !== 'step')
    bad(
      `jumprelu_sparsity_loss_mode ${JSON.stringify(cfg.jumprelu_sparsity_loss_mode)} is not supported (only "step")`,
    );
  const aux = cfg.auxk as Json | undefined;
  const num = (k: string) => cfg[k] as number | undefined;
  const c: Record<string, unknown> = {
    architecture: arch,
    inputDim: num('d_in'),
    hiddenDim: num('d_sae'),
    applyBDecToInput: cfg.apply_b_dec_to_input as boolean | undefined,
    reconLoss: cfg.recon_loss as 'mse' | 'nmse' | undefined,
    l1Coefficient: num('l1_coefficient'),
    l0Coefficient: num('l0_coefficient'),
    k: num('k'),
    auxk: aux ? { kAux: aux.k_aux as number, coefficient: aux.coefficient as number | undefined } : undefined,
    topkThresholdLr: num('topk_threshold_lr'),
    jumpreluBandwidth: num('jumprelu_bandwidth'),
    matryoshkaWidths: cfg.matryoshka_widths as number[] | undefined,
  };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  const out = c as unknown as ModernSaeConfig;
  validateModernConfig(out);
  return out;
}
