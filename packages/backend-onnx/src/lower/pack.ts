import type { Graph } from '@saekit/core';
import type { GraphBuilder } from './builder.js';

/**
 * Many small tensors as one flat float32 vector. onnxruntime-node pays a few microseconds per
 * input and per output of every run (more than a small op costs), so a training step feeds its
 * small state (biases, their moments, the step count) as one input and fetches their new values
 * together with the scalar outputs as one output. A Split and a Concat over a few thousand
 * floats cost far less than the dozen run arguments they replace.
 */
export interface PackEntry {
  /** A state input name or a graph output key. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
}

export interface PackedLayout {
  /** The ONNX input holding the packed state (absent when no state is packed). */
  readonly input?: string;
  /** Values in the packed input: the state entries, which come first in the output too. */
  readonly inputSize: number;
  readonly output: string;
  readonly outputSize: number;
  /** The state entries (same offsets in the input and the output), then the output entries. */
  readonly state: readonly PackEntry[];
  readonly outputs: readonly PackEntry[];
}

/** Offsets of the packed values: state first (so a run's output prefix is the next run's input). */
export function packLayout(
  state: readonly { name: string; size: number }[],
  outputs: readonly { name: string; size: number }[],
  names: { input?: string; output: string },
): PackedLayout {
  let offset = 0;
  const place = ({ name, size }: { name: string; size: number }): PackEntry => {
    const e = { name, offset, size };
    offset += size;
    return e;
  };
  const stateEntries = state.map(place);
  const inputSize = offset;
  const outputEntries = outputs.map(place);
  return {
    input: state.length ? names.input : undefined,
    inputSize,
    output: names.output,
    outputSize: offset,
    state: stateEntries,
    outputs: outputEntries,
  };
}

/** Split of the packed input into the named values (reshaped to their dims); nodes come first. */
export function emitUnpack(
  b: GraphBuilder,
  packed: string,
  values: readonly { name: string; size: number; dims: readonly number[] }[],
): void {
  const flat = values.map((v) => (v.dims.length === 1 ? v.name : b.fresh(`${v.name}.flat`)));
  b.node(
    'Split',
    [
      packed,
      b.int64Const(
        values.map((v) => v.size),
        'split',
      ),
    ],
    flat,
    { axis: 0 },
  );
  for (const [i, v] of values.entries()) {
    if (flat[i] !== v.name) b.op('Reshape', [flat[i], b.int64Const(v.dims, 'shape')], {}, v.name);
  }
}

/** Concat of the named values, each flattened, into the packed output; nodes come last. */
export function emitPack(
  b: GraphBuilder,
  packed: string,
  values: readonly { name: string; dims: readonly number[] }[],
): void {
  const flat = values.map((v) =>
    v.dims.length === 1 ? v.name : b.op('Reshape', [v.name, b.int64Const([-1], 'shape')]),
  );
  b.op('Concat', flat, { axis: 0 }, packed);
}

/** What to pack (the `pack` lowering option): state inputs with an update, and output keys. */
export interface PackRequest {
  readonly state: readonly string[];
  readonly outputs: readonly string[];
}

/** The pack option, checked: fed state with an update, existing outputs; undefined when empty. */
export function checkPack(graph: Graph, pack: PackRequest, fed: readonly string[]): PackRequest | undefined {
  for (const name of pack.state) {
    if (!fed.includes(name) || !(name in graph.updates))
      throw new Error(`onnx lowering: packed state "${name}" is not a fed input with an update`);
  }
  for (const key of pack.outputs) {
    if (!(key in graph.outputs)) throw new Error(`onnx lowering: packed output "${key}" is not an output`);
  }
  if (new Set(pack.state).size !== pack.state.length || new Set(pack.outputs).size !== pack.outputs.length)
    throw new Error('onnx lowering: a value is packed twice');
  return pack.state.length + pack.outputs.length ? pack : undefined;
}
