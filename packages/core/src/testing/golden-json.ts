import type { SaeParams } from '../nn/params.js';

export type Json = Record<string, unknown>;

/** A tensor of a golden document: a nested list (the JSON source) or a flat typed array (the repo's compact form). */
export const flat = (x: unknown): ArrayLike<number> =>
  ArrayBuffer.isView(x)
    ? (x as Float32Array)
    : Array.isArray(x)
      ? ((x as unknown[]).flat(Infinity as 1) as unknown[]).map(Number)
      : [];

/**
 * What every train case holds before its expectations: its name, config, optimizer, the initial
 * parameters of `names` (those the document has) and the batch.
 */
export function trainCaseHead<C extends { readonly inputDim: number }, O>(
  d: Json,
  config: C,
  names: readonly string[],
): { name: string; config: C; optimizer: O; params: SaeParams; batch: Float32Array; batchSize: number } {
  const p = d.params as Json;
  const params = Object.fromEntries(
    names.filter((n) => p[n] !== undefined).map((n) => [n, Float32Array.from(flat(p[n]))]),
  ) as SaeParams;
  const batch = Float32Array.from(flat(d.batch));
  return {
    name: String(d.name),
    config,
    optimizer: d.optimizer as O,
    params,
    batch,
    batchSize: batch.length / config.inputDim,
  };
}
