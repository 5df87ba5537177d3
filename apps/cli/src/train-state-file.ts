import {
  decodeSafetensors,
  encodeSafetensors,
  PARAM_NAMES,
  type SaeParams,
  type TrainCheckpoint,
} from '@saekit/core';
import { metricsJson, parseMetricsJson } from './json.js';

// The resume checkpoint as one safetensors file, so it is written in one atomic rename and is never
// half of one step and half of another: the parameters as training sees them (before any input
// scale is folded in) and the optimizer's slots as F32 tensors, everything else (position, RNG,
// host state, history) as JSON in the metadata.

const META_KEY = 'saekit.train_state';
const FORMAT = 1;

export function encodeTrainState(c: TrainCheckpoint): Uint8Array {
  const { params, slots, ...rest } = c;
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const n of PARAM_NAMES) tensors[`param.${n}`] = { shape: [params[n].length], data: params[n] };
  for (const [n, v] of Object.entries(slots)) tensors[`slot.${n}`] = { shape: [v.length], data: v };
  return encodeSafetensors(tensors, { [META_KEY]: metricsJson({ format: FORMAT, ...rest }) });
}

/** Reads what `encodeTrainState` wrote; anything else is an error naming `source`. */
export function decodeTrainState(bytes: Uint8Array, source: string): TrainCheckpoint {
  const { tensors, metadata } = decodeSafetensors(bytes, source);
  const text = metadata[META_KEY];
  if (text === undefined) throw new Error(`${source}: not a saekit training state (no ${META_KEY} metadata)`);
  let rest: Record<string, unknown>;
  try {
    rest = parseMetricsJson(text) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${source}: the training state is not valid JSON (${(e as Error).message})`);
  }
  if (rest.format !== FORMAT)
    throw new Error(`${source}: training state format ${String(rest.format)}, this saekit reads ${FORMAT}`);
  for (const k of ['epoch', 'step', 'globalStep', 'tokens', 'lossSum', 'rows'])
    if (typeof rest[k] !== 'number') throw new Error(`${source}: the training state has no number "${k}"`);
  if (typeof rest.data !== 'object' || rest.data === null)
    throw new Error(`${source}: the training state has no data position`);
  const params: Partial<SaeParams> = {};
  const slots: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (name.startsWith('param.')) params[name.slice(6) as keyof SaeParams] = t.data;
    else if (name.startsWith('slot.')) slots[name.slice(5)] = t.data;
  }
  for (const n of PARAM_NAMES) if (!params[n]) throw new Error(`${source}: no tensor param.${n}`);
  const { format: _f, ...state } = rest;
  return {
    ...(state as unknown as Omit<TrainCheckpoint, 'params' | 'slots'>),
    params: params as SaeParams,
    slots,
  };
}
