import type { LoweredGraph } from './lower.js';
import type { ModelProto } from './proto/types.js';
import { PACKAGE_VERSION } from './version.js';

export interface ModelInfo {
  /** Default `saekit`. */
  readonly producerName?: string;
  /** Default: this package's version. */
  readonly producerVersion?: string;
  readonly docString?: string;
  /** Written as `metadata_props`, in this order. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Wraps a lowered graph in a ModelProto with the IR version and opset that belong together. */
export function buildModel(lowered: LoweredGraph, info: ModelInfo = {}): ModelProto {
  const model: ModelProto = {
    ir_version: lowered.irVersion,
    opset_import: [{ domain: '', version: lowered.opset }],
    producer_name: info.producerName ?? 'saekit',
    producer_version: info.producerVersion ?? PACKAGE_VERSION,
    model_version: 1,
    graph: lowered.graph,
  };
  if (info.docString) model.doc_string = info.docString;
  const meta = Object.entries(info.metadata ?? {});
  if (meta.length) model.metadata_props = meta.map(([key, value]) => ({ key, value }));
  return model;
}
