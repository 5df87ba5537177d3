import type { AnySaeConfig } from '../nn/config.js';
import { checkParams, paramNamesOf, paramShapes, type SaeParams } from '../nn/params.js';
import { configFromDoc } from './cfg-json.js';
import { decodeSafetensors, encodeSafetensors, SafetensorsError } from './safetensors.js';

export { CheckpointConfigError, configFromText, configToJson } from './cfg-json.js';

/** File names of a saved SAE, as SAELens writes them, so checkpoints move both ways. */
export const CHECKPOINT_FILES = Object.freeze({ config: 'cfg.json', weights: 'sae_weights.safetensors' });

/**
 * Reads a parsed cfg.json: ours (classic or modern), or a SAELens standard / topk SAE (ReLU or TopK encoder, linear
 * decoder). Prefer configFromText, which also refuses duplicate keys.
 * @throws CheckpointConfigError naming `source`
 */
export function configFromJson(doc: unknown, source: string = CHECKPOINT_FILES.config): AnySaeConfig {
  return configFromDoc(doc, source);
}

export function encodeWeights(c: AnySaeConfig, p: SaeParams): Uint8Array {
  const shapes = paramShapes(c) as Record<string, number[]>;
  checkParams(c, p);
  return encodeSafetensors(
    Object.fromEntries(paramNamesOf(c).map((n) => [n, { shape: shapes[n], data: p[n]! }])),
    { format: 'pt' },
  );
}

export function decodeWeights(
  c: AnySaeConfig,
  bytes: Uint8Array,
  source: string = CHECKPOINT_FILES.weights,
): SaeParams {
  const { tensors } = decodeSafetensors(bytes, source);
  const shapes = paramShapes(c) as Record<string, number[]>;
  const out: Partial<SaeParams> = {};
  for (const n of paramNamesOf(c)) {
    const t = tensors[n];
    if (!t)
      throw new SafetensorsError(
        `${source}: tensor "${n}" is missing (has: ${Object.keys(tensors).join(', ') || 'none'})`,
      );
    if (t.shape.join(',') !== shapes[n].join(',')) {
      throw new SafetensorsError(
        `${source}: tensor "${n}" has shape [${t.shape}], the config needs [${shapes[n]}]`,
      );
    }
    out[n] = t.data;
  }
  return out as SaeParams;
}
