/**
 * The SAE recipes trained since 2024 (see docs/modern-saes.md): one field, `architecture`, picks
 * the forward pass and loss; the other fields are that recipe's options. Plain JSON, so it goes to
 * `cfg.json` as it is. Names follow SAELens' `cfg.json` in camelCase.
 */
export const ARCHITECTURES = ['standard', 'topk', 'batchtopk', 'jumprelu', 'matryoshka'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

/** The auxiliary loss on dead latents (Gao et al. 2024). */
export interface AuxKConfig {
  /** How many dead latents each row reconstructs the residual with (capped at the number dead). */
  readonly kAux: number;
  /** Weight of the normalised AuxK loss in the total; default 1/32. */
  readonly coefficient?: number;
  /** A latent is dead after this many training tokens without firing; default 10,000,000 (openai). */
  readonly deadAfterTokens?: number;
}

export interface ModernSaeConfig {
  readonly architecture: Architecture;
  readonly inputDim: number;
  readonly hiddenDim: number;
  /** Subtract b_dec from the input before the encoder (SAELens default: true). */
  readonly applyBDecToInput?: boolean;
  /** `mse`: Σ_d, mean over the batch (default); `nmse`: divided by the batch's own variance (the topk default). */
  readonly reconLoss?: 'mse' | 'nmse';
  /** standard: weight of L1 · ‖W_dec,i‖. */
  readonly l1Coefficient?: number;
  /** jumprelu: weight of the L0 penalty. */
  readonly l0Coefficient?: number;
  /** topk: latents per row (integer); batchtopk and matryoshka: per row on average, K = ⌊k·B⌋ (may be fractional). */
  readonly k?: number;
  /** topk, batchtopk, matryoshka: the AuxK loss on dead latents. */
  readonly auxk?: AuxKConfig;
  /** batchtopk, matryoshka: the running inference threshold's rate; default 0.01. */
  readonly topkThresholdLr?: number;
  /** jumprelu: width ε of the rectangle kernel of the pseudo-derivatives; default 0.05. */
  readonly jumpreluBandwidth?: number;
  /** jumprelu: θ at initialisation (log_threshold = ln θ); default 0.01. */
  readonly jumpreluInitThreshold?: number;
  /** matryoshka: increasing prefix widths, the last = hiddenDim. */
  readonly matryoshkaWidths?: readonly number[];
}

/** A modern config with every default filled in. */
export interface ResolvedModernConfig extends ModernSaeConfig {
  readonly applyBDecToInput: boolean;
  readonly reconLoss: 'mse' | 'nmse';
  readonly topkThresholdLr: number;
  readonly jumpreluBandwidth: number;
  readonly jumpreluInitThreshold: number;
}

export const AUXK_DEFAULTS = Object.freeze({ coefficient: 1 / 32, deadAfterTokens: 10_000_000 });

const FIELDS = new Set([
  'architecture',
  'inputDim',
  'hiddenDim',
  'applyBDecToInput',
  'reconLoss',
  'l1Coefficient',
  'l0Coefficient',
  'k',
  'auxk',
  'topkThresholdLr',
  'jumpreluBandwidth',
  'jumpreluInitThreshold',
  'matryoshkaWidths',
]);
/** Which option belongs to which architectures (an option for another one is an error, not ignored). */
const ONLY: Readonly<Record<string, readonly Architecture[]>> = {
  l1Coefficient: ['standard'],
  l0Coefficient: ['jumprelu'],
  k: ['topk', 'batchtopk', 'matryoshka'],
  auxk: ['topk', 'batchtopk', 'matryoshka'],
  topkThresholdLr: ['batchtopk', 'matryoshka'],
  jumpreluBandwidth: ['jumprelu'],
  jumpreluInitThreshold: ['jumprelu'],
  matryoshkaWidths: ['matryoshka'],
};

export const usesBatchTopK = (c: ModernSaeConfig): boolean =>
  c.architecture === 'batchtopk' || c.architecture === 'matryoshka';

/** Checks a modern config and says what is wrong; returns it with its defaults filled in. */
export function validateModernConfig(c: ModernSaeConfig): ResolvedModernConfig {
  const bad = (msg: string): never => {
    throw new RangeError(`sae config (${c.architecture}): ${msg}`);
  };
  if (!ARCHITECTURES.includes(c.architecture))
    throw new RangeError(
      `sae config: architecture must be one of ${ARCHITECTURES.join(', ')}, got ${c.architecture}`,
    );
  for (const key of Object.keys(c)) {
    if (!FIELDS.has(key)) bad(`unknown field "${key}"`);
    const only = ONLY[key];
    if (
      only &&
      (c as unknown as Record<string, unknown>)[key] !== undefined &&
      !only.includes(c.architecture)
    )
      bad(`${key} applies only to ${only.join(', ')}`);
  }
  const posInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1;
  const nonNeg = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  const pos = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (!posInt(c.inputDim)) bad(`inputDim must be a positive integer, got ${c.inputDim}`);
  if (!posInt(c.hiddenDim)) bad(`hiddenDim must be a positive integer, got ${c.hiddenDim}`);
  if (c.applyBDecToInput !== undefined && typeof c.applyBDecToInput !== 'boolean')
    bad(`applyBDecToInput must be true or false`);
  if (c.reconLoss !== undefined && c.reconLoss !== 'mse' && c.reconLoss !== 'nmse')
    bad(`reconLoss must be mse or nmse, got ${c.reconLoss}`);
  const a = c.architecture;
  if (a === 'standard' && !nonNeg(c.l1Coefficient))
    bad(`l1Coefficient must be a number >= 0, got ${c.l1Coefficient}`);
  if (a === 'jumprelu') {
    if (!nonNeg(c.l0Coefficient)) bad(`l0Coefficient must be a number >= 0, got ${c.l0Coefficient}`);
    if (c.jumpreluBandwidth !== undefined && !pos(c.jumpreluBandwidth))
      bad(`jumpreluBandwidth must be > 0, got ${c.jumpreluBandwidth}`);
    if (c.jumpreluInitThreshold !== undefined && !pos(c.jumpreluInitThreshold))
      bad(`jumpreluInitThreshold must be > 0, got ${c.jumpreluInitThreshold}`);
  }
  if (a === 'topk' && !(posInt(c.k) && c.k <= c.hiddenDim))
    bad(`k must be an integer in [1, hiddenDim=${c.hiddenDim}], got ${c.k}`);
  if (usesBatchTopK(c)) {
    if (!(pos(c.k) && c.k <= c.hiddenDim))
      bad(`k must be a number in (0, hiddenDim=${c.hiddenDim}], got ${c.k}`);
    if (c.topkThresholdLr !== undefined && !(pos(c.topkThresholdLr) && c.topkThresholdLr <= 1))
      bad(`topkThresholdLr must be in (0, 1], got ${c.topkThresholdLr}`);
  }
  if (a === 'matryoshka') {
    const w = c.matryoshkaWidths;
    if (!Array.isArray(w) || w.length === 0) bad(`matryoshkaWidths must be a non-empty list of widths`);
    const ws = w as readonly number[];
    ws.forEach((v, i) => {
      if (!posInt(v) || (i > 0 && v <= ws[i - 1]))
        bad(`matryoshkaWidths must be increasing positive integers, got [${ws.join(', ')}]`);
    });
    if (ws[ws.length - 1] !== c.hiddenDim)
      bad(`the last of matryoshkaWidths must be hiddenDim=${c.hiddenDim}, got ${ws[ws.length - 1]}`);
  }
  if (c.auxk !== undefined) {
    const x = c.auxk;
    if (x === null || typeof x !== 'object')
      bad(`auxk must be an object {kAux, coefficient?, deadAfterTokens?}`);
    for (const key of Object.keys(x))
      if (!['kAux', 'coefficient', 'deadAfterTokens'].includes(key)) bad(`auxk: unknown field "${key}"`);
    if (!(posInt(x.kAux) && x.kAux <= c.hiddenDim))
      bad(`auxk.kAux must be an integer in [1, hiddenDim=${c.hiddenDim}], got ${x.kAux}`);
    if (x.coefficient !== undefined && !nonNeg(x.coefficient))
      bad(`auxk.coefficient must be a number >= 0, got ${x.coefficient}`);
    if (x.deadAfterTokens !== undefined && !posInt(x.deadAfterTokens))
      bad(`auxk.deadAfterTokens must be a positive integer, got ${x.deadAfterTokens}`);
  }
  return {
    ...c,
    applyBDecToInput: c.applyBDecToInput ?? true,
    reconLoss: c.reconLoss ?? 'mse',
    topkThresholdLr: c.topkThresholdLr ?? 0.01,
    jumpreluBandwidth: c.jumpreluBandwidth ?? 0.05,
    jumpreluInitThreshold: c.jumpreluInitThreshold ?? 0.01,
  };
}
