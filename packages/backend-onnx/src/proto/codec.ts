import protobuf from 'protobufjs';
import { ONNX_SCHEMA } from './schema.js';
import type { ModelProto } from './types.js';

let modelType: protobuf.Type | undefined;

/** The `onnx.ModelProto` type, parsed from the schema once. */
export function modelProtoType(): protobuf.Type {
  modelType ??= protobuf.parse(ONNX_SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** Serializes a model with protobufjs; a structurally wrong object is reported, never written. */
export function encodeModelProto(model: ModelProto): Uint8Array {
  const t = modelProtoType();
  const err = t.verify(model);
  if (err) throw new TypeError(`onnx: cannot encode the model: ${err}`);
  return t.encode(model).finish();
}

/**
 * Parses ModelProto bytes into a plain object (int64 as numbers, bytes as Uint8Array, every
 * repeated field present). Throws what protobufjs throws on malformed bytes; `decodeModel` in
 * export.ts adds the checks and the message users see.
 */
export function decodeModelProto(bytes: Uint8Array): ModelProto {
  const t = modelProtoType();
  const msg = t.decode(bytes);
  return t.toObject(msg, { longs: Number, arrays: true, defaults: false, oneofs: false }) as ModelProto;
}
