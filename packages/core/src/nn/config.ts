import { type ModernSaeConfig, validateModernConfig } from './modern-config.js';

/** The sparse penalty on the hidden layer. */
export type Sparsity =
  | {
      readonly kind: 'kl';
      readonly rho: number;
      readonly weight: number;
      /**
       * Cap the batch-mean activation at 1 - 1e-6 before the KL. Off by default: the seed's
       * formula, NaN once a ReLU unit's mean reaches 1. On: the same value below that, finite above.
       */
      readonly clamp?: boolean;
    }
  | { readonly kind: 'l1'; readonly weight: number }
  | { readonly kind: 'none' };

export type EncoderActivation = 'relu' | 'sigmoid' | 'topk';
export type DecoderActivation = 'sigmoid' | 'identity';

/** A sparse autoencoder: x -> enc(x W_enc + b_enc) = h -> dec(h W_dec + b_dec). */
export interface SaeConfig {
  readonly inputDim: number;
  readonly hiddenDim: number;
  /** `topk`: ReLU, then all but the `k` largest pre-activations of each example set to 0. */
  readonly encoder: EncoderActivation;
  readonly decoder: DecoderActivation;
  readonly sparsity: Sparsity;
  /** Active units per example for the `topk` encoder. */
  readonly k?: number;
}

/** The seed recipe: MNIST 784 -> 64 ReLU -> 784 sigmoid, MSE + 0.1 KL(rho = 0.05). */
export const SEED_CONFIG: SaeConfig = Object.freeze({
  inputDim: 784,
  hiddenDim: 64,
  encoder: 'relu',
  decoder: 'sigmoid',
  sparsity: Object.freeze({ kind: 'kl', rho: 0.05, weight: 0.1 }),
});

/** A classic config (encoder/decoder/sparsity) or a modern recipe (`architecture`). */
export type AnySaeConfig = SaeConfig | ModernSaeConfig;

/** Whether the config is a modern recipe: it has an `architecture` field. */
export const isModernConfig = (c: AnySaeConfig): c is ModernSaeConfig =>
  (c as Partial<ModernSaeConfig>).architecture !== undefined;

/** Checks a config (from a file, a flag, another library) and says what is wrong. */
export function validateConfig<C extends AnySaeConfig>(c: C): C {
  if (isModernConfig(c)) {
    validateModernConfig(c);
    return c;
  }
  validateClassicConfig(c as SaeConfig);
  return c;
}

function validateClassicConfig(c: SaeConfig): void {
  const bad = (msg: string): never => {
    throw new RangeError(`sae config: ${msg}`);
  };
  if (!Number.isInteger(c.inputDim) || c.inputDim < 1)
    bad(`inputDim must be a positive integer, got ${c.inputDim}`);
  if (!Number.isInteger(c.hiddenDim) || c.hiddenDim < 1)
    bad(`hiddenDim must be a positive integer, got ${c.hiddenDim}`);
  if (!['relu', 'sigmoid', 'topk'].includes(c.encoder))
    bad(`encoder must be relu, sigmoid or topk, got ${c.encoder}`);
  if (!['sigmoid', 'identity'].includes(c.decoder))
    bad(`decoder must be sigmoid or identity, got ${c.decoder}`);
  if (c.encoder === 'topk' && (!Number.isInteger(c.k) || c.k! < 1 || c.k! > c.hiddenDim)) {
    bad(`encoder topk needs k, an integer in [1, hiddenDim=${c.hiddenDim}], got ${c.k}`);
  }
  const s = c.sparsity;
  if (!s || !['kl', 'l1', 'none'].includes(s.kind)) bad(`sparsity.kind must be kl, l1 or none`);
  if (s.kind === 'kl' && !(typeof s.rho === 'number' && s.rho > 0 && s.rho < 1))
    bad(`kl rho must be in (0, 1), got ${s.rho}`);
  if (s.kind === 'kl' && s.clamp !== undefined && typeof s.clamp !== 'boolean')
    bad(`kl clamp must be true or false`);
  if (s.kind !== 'none' && !(typeof s.weight === 'number' && s.weight >= 0 && Number.isFinite(s.weight)))
    bad(`sparsity weight must be >= 0, got ${s.weight}`);
}
