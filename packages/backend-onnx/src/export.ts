import {
  type AnySaeConfig,
  checkParams,
  encode,
  forward,
  Graph,
  input,
  type Node,
  paramInputs,
  paramNamesOf,
  type SaeParams,
  validateConfig,
} from '@saekit/core';
import { writeFileAtomic } from '@saekit/core/node';
import { InvalidOnnxModelError } from './errors.js';
import { lowerGraph } from './lower.js';
import { buildModel } from './model.js';
import { resolveOpset } from './opset.js';
import { decodeModelProto, encodeModelProto } from './proto/codec.js';
import type { ModelProto } from './proto/types.js';

export type SaePart = 'encoder' | 'autoencoder';

export interface ExportOptions {
  /** `encoder`: input -> latents. `autoencoder`: input -> reconstruction and latents. */
  readonly part: SaePart;
  /** ONNX opset, 17 (default) to 26. */
  readonly opset?: number;
  /** `producer_version`; default: this package's version. */
  readonly producerVersion?: string;
  /** More `metadata_props` (keys starting with `saekit.` are reserved). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Names in exported models. */
export const EXPORT_NAMES = Object.freeze({
  input: 'input',
  latents: 'latents',
  reconstruction: 'reconstruction',
  batchDim: 'batch',
});

/** Metadata keys saekit writes. */
export const METADATA_KEYS = Object.freeze({
  config: 'saekit.config',
  part: 'saekit.part',
  format: 'saekit.format',
});
/** Version of the exported model's layout (names, metadata); bumped if either changes. */
export const EXPORT_FORMAT = '1';

/**
 * The graph an export lowers: `input` [B, inputDim] with B a batch size unlike every other size of
 * the model (so the lowering can tell the batch axis apart), parameters as inputs named as in the
 * checkpoint (they become initializers).
 */
export function exportGraph(config: AnySaeConfig, part: SaePart): Graph {
  validateConfig(config);
  if (part !== 'encoder' && part !== 'autoencoder')
    throw new RangeError(`export: part must be encoder or autoencoder, got ${part}`);
  const taken = new Set([1, config.inputDim, config.hiddenDim, config.k ?? 1]);
  let batch = 2;
  while (taken.has(batch)) batch++;
  const p = paramInputs(config);
  const x = input(EXPORT_NAMES.input, [batch, config.inputDim]);
  const outputs: Record<string, Node> = {};
  if (part === 'encoder') outputs[EXPORT_NAMES.latents] = encode(config, p, x).hidden;
  else {
    const f = forward(config, p, x);
    outputs[EXPORT_NAMES.reconstruction] = f.recon;
    outputs[EXPORT_NAMES.latents] = f.hidden;
  }
  return Graph.from({ outputs });
}

/**
 * An SAE as ONNX bytes: the encoder (`input` -> `latents`) or the whole autoencoder
 * (`input` -> `reconstruction`, `latents`), parameters as initializers W_enc, b_enc, W_dec, b_dec,
 * the batch dimension symbolic (`batch`), and the config in `metadata_props["saekit.config"]`.
 */
export function exportSae(config: AnySaeConfig, params: SaeParams, opts: ExportOptions): Uint8Array {
  const graph = exportGraph(config, opts.part);
  checkParams(config, params);
  resolveOpset(opts.opset);
  for (const k of Object.keys(opts.metadata ?? {})) {
    if (k.startsWith('saekit.')) throw new RangeError(`export: metadata key "${k}" is reserved`);
  }
  const initializers = Object.fromEntries(
    paramNamesOf(config)
      .filter((n) => graph.inputs.has(n))
      .map((n) => [n, params[n] as Float32Array]),
  );
  const lowered = lowerGraph(graph, {
    opset: opts.opset,
    dynamicBatch: { inputs: [EXPORT_NAMES.input], dimParam: EXPORT_NAMES.batchDim },
    initializers,
    graphName: `saekit_${opts.part}`,
  });
  const outs = Object.keys(graph.outputs).join(' and ');
  const model = buildModel(lowered, {
    producerVersion: opts.producerVersion,
    docString:
      `A sparse autoencoder ${opts.part} exported by saekit: ${EXPORT_NAMES.input} [batch, ${config.inputDim}] -> ${outs}. ` +
      `Config in metadata_props["${METADATA_KEYS.config}"].`,
    metadata: {
      [METADATA_KEYS.config]: JSON.stringify(config),
      [METADATA_KEYS.part]: opts.part,
      [METADATA_KEYS.format]: EXPORT_FORMAT,
      ...opts.metadata,
    },
  });
  return encodeModelProto(model);
}

/** Writes an exported model atomically (temp file, flushed, renamed), as every saekit file is written. */
export function writeOnnxFile(path: string, bytes: Uint8Array): Promise<void> {
  return writeFileAtomic(path, bytes);
}

/**
 * Decodes ONNX bytes into a plain ModelProto (field names as in onnx.proto, int64 as numbers).
 * @throws InvalidOnnxModelError, naming `source`, for bytes that are not a protobuf ModelProto or lack
 *   what every model must have (ir_version, opset_import, a graph with outputs)
 */
export function decodeModel(bytes: Uint8Array, source = '<bytes>'): ModelProto {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`decodeModel: expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) throw new InvalidOnnxModelError(source, 'the file is empty');
  let m: ModelProto;
  try {
    m = decodeModelProto(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new InvalidOnnxModelError(source, `protobuf decoding failed (truncated or corrupt file?): ${why}`, {
      cause: e,
    });
  }
  if (!(typeof m.ir_version === 'number' && m.ir_version > 0))
    throw new InvalidOnnxModelError(source, 'no ir_version');
  if (!m.opset_import?.length) throw new InvalidOnnxModelError(source, 'no opset_import');
  if (!m.graph) throw new InvalidOnnxModelError(source, 'no graph');
  if (!m.graph.output?.length) throw new InvalidOnnxModelError(source, 'the graph has no outputs');
  for (const t of m.graph.initializer ?? []) {
    const width = ELEMENT_BYTES[t.data_type ?? 0];
    const n = (t.dims ?? []).reduce((a, b) => a * b, 1);
    if (width && t.raw_data?.length && t.raw_data.length !== n * width) {
      throw new InvalidOnnxModelError(
        source,
        `initializer "${t.name}" [${t.dims}] holds ${t.raw_data.length} bytes, not ${n * width}`,
      );
    }
  }
  return m;
}

/** Bytes per element of the fixed-width data types, for checking raw_data sizes. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = {
  1: 4,
  2: 1,
  3: 1,
  4: 2,
  5: 2,
  6: 4,
  7: 8,
  9: 1,
  10: 2,
  11: 8,
  12: 4,
  13: 8,
};

/** The value of one `metadata_props` entry. */
export function metadataValue(m: ModelProto, key: string): string | undefined {
  return m.metadata_props?.find((e) => e.key === key)?.value;
}
