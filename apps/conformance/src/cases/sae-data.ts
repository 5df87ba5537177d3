import { initParams, PARAM_NAMES, rowWeights, type SaeConfig, type SaeParams } from '@saekit/core';
import { rngFor } from '@saekit/core/testing';

/** The small model every SAE-level case uses: 20 -> 12, batches of 9. */
export const SAE_INPUT_DIM = 20;
export const SAE_HIDDEN_DIM = 12;
export const SAE_BATCH = 9;
export const SAE_TOPK = 3;

export type SaeVariant = Pick<SaeConfig, 'encoder' | 'decoder' | 'sparsity'>;

export function saeConfig(v: SaeVariant): SaeConfig {
  return {
    inputDim: SAE_INPUT_DIM,
    hiddenDim: SAE_HIDDEN_DIM,
    ...v,
    ...(v.encoder === 'topk' ? { k: SAE_TOPK } : {}),
  };
}

/** `relu/sigmoid/kl`, `topk3/identity/l1`. */
export function variantName(c: SaeConfig): string {
  return `${c.encoder === 'topk' ? `topk${c.k}` : c.encoder}/${c.decoder}/${c.sparsity.kind}`;
}

export function modelName(c: SaeConfig, batch = SAE_BATCH): string {
  return `${variantName(c)} ${c.inputDim}→${c.hiddenDim} b${batch}`;
}

/** Every encoder × decoder × sparsity combination. */
export function saeVariants(): SaeConfig[] {
  const out: SaeConfig[] = [];
  for (const encoder of ['relu', 'sigmoid', 'topk'] as const) {
    for (const decoder of ['sigmoid', 'identity'] as const) {
      for (const sparsity of [
        { kind: 'kl', rho: 0.05, weight: 0.1 },
        { kind: 'l1', weight: 0.01 },
        { kind: 'none' },
      ] as const) {
        out.push(saeConfig({ encoder, decoder, sparsity }));
      }
    }
  }
  return out;
}

export interface SaeData {
  readonly params: SaeParams;
  /** [batch, inputDim], uniform in [0, 0.5). */
  readonly x: Float32Array;
  /** Row weights [batch, 1]: 1/rows for the real rows, 0 for padding. */
  readonly w: Float32Array;
}

/**
 * Seeded parameters and data. Glorot-uniform weights (as `initParams`) and small random biases
 * (zero biases would leave their gradients' arithmetic half-tested). Data in [0, 0.5): every
 * unit's batch-mean activation stays well inside (0, 1), so the KL penalty is finite for a ReLU
 * encoder too (it is NaN once a mean reaches 1).
 */
export function saeData(c: SaeConfig, key: string, batch = SAE_BATCH, rows = batch): SaeData {
  const rng = rngFor(key);
  const p = initParams(c, rng);
  for (const b of [p.b_enc, p.b_dec]) for (let i = 0; i < b.length; i++) b[i] = 0.05 * rng.normal();
  const x = rng.uniformArray(batch * c.inputDim, 0, 0.5);
  x.fill(0, rows * c.inputDim); // padding rows are zeros, as the trainer pads
  return { params: p, x, w: rowWeights(new Float32Array(batch), rows) };
}

export function paramsToF64(p: SaeParams): Record<string, Float64Array> {
  return Object.fromEntries(PARAM_NAMES.map((n) => [n, Float64Array.from(p[n])]));
}
