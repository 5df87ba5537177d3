import { type AnySaeConfig, decodeF16, decodeSafetensors } from '@saekit/core';
import { parseNpyHeader } from '@saekit/datasets';

/** [n, inputDim] inputs to look at, read from a file given with a run. */
export interface InputsFile {
  readonly x: Float32Array;
  readonly n: number;
  readonly source: string;
}

/**
 * The names the page looks for beside a run directory it opens by URL (a run directory holds no
 * inputs of its own: the user puts them there, e.g. the activations the SAE was trained on).
 */
export const INPUTS_FILES = ['inputs.safetensors', 'inputs.npy'] as const;

/** Files of a run directory that are never inputs, though they end in .safetensors. */
const NOT_INPUTS = new Set(['sae_weights.safetensors', 'train_state.safetensors']);

/** Whether a picked or dropped file may hold inputs: `inputs.*` first, else another .safetensors/.npy. */
export function inputsCandidate(names: readonly string[]): string | undefined {
  const named = INPUTS_FILES.find((n) => names.includes(n));
  if (named) return named;
  return names.find((n) => (n.endsWith('.safetensors') && !NOT_INPUTS.has(n)) || n.endsWith('.npy'));
}

/** Inputs from a .npy ([n, inputDim], float32 or float16) or a .safetensors (its one such 2-D tensor). */
export function readInputs(bytes: Uint8Array, config: AnySaeConfig, source: string): InputsFile {
  return source.endsWith('.npy') ? readNpy(bytes, config, source) : readSafetensors(bytes, config, source);
}

function readNpy(bytes: Uint8Array, config: AnySaeConfig, source: string): InputsFile {
  const h = parseNpyHeader(bytes, bytes.length, source);
  if (h.dim !== config.inputDim)
    throw new Error(`${source}: inputs are [${h.rows}, ${h.dim}]; this SAE takes rows of ${config.inputDim}`);
  const count = h.rows * h.dim;
  // A copy: the data offset need not be aligned for a typed-array view.
  const data = bytes.slice(h.dataOffset, h.dataOffset + count * (h.dtype === 'f32' ? 4 : 2));
  let x: Float32Array;
  if (h.dtype === 'f32') x = new Float32Array(data.buffer, 0, count);
  else {
    x = new Float32Array(count);
    decodeF16(new Uint16Array(data.buffer, 0, count), x, 0);
  }
  return { x, n: h.rows, source };
}

function readSafetensors(bytes: Uint8Array, config: AnySaeConfig, source: string): InputsFile {
  const { tensors } = decodeSafetensors(bytes, source);
  const fits = Object.entries(tensors).filter(
    ([, t]) => t.shape.length === 2 && t.shape[1] === config.inputDim,
  );
  if (fits.length !== 1) {
    const found = Object.entries(tensors).map(([k, t]) => `${k} [${t.shape.join(', ')}]`);
    throw new Error(
      `${source}: inputs must be one 2-D F32 tensor [n, ${config.inputDim}]; found ${fits.length} such among ${found.join(', ') || 'none'}`,
    );
  }
  const [, t] = fits[0];
  return { x: t.data, n: t.shape[0], source };
}
