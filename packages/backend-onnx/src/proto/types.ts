/**
 * Plain-object forms of the ONNX messages, with the field names of onnx.proto (snake_case, as
 * protobufjs reads them with `keepCase`). int64 fields are JS numbers (exact below 2^53).
 */

/** `TensorProto.DataType` values saekit uses. */
export const DataType = Object.freeze({ FLOAT: 1, INT64: 7, BOOL: 9 });

/** `AttributeProto.AttributeType` values saekit uses. */
export const AttributeType = Object.freeze({
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
});

export interface TensorProto {
  dims?: number[];
  data_type?: number;
  name?: string;
  doc_string?: string;
  /** Values as little-endian bytes (how saekit writes every tensor). */
  raw_data?: Uint8Array;
  float_data?: number[];
  int32_data?: number[];
  int64_data?: number[];
  double_data?: number[];
}

export interface Dimension {
  /** A fixed size. */
  dim_value?: number;
  /** A symbolic size, such as `batch`. */
  dim_param?: string;
  denotation?: string;
}

export interface TensorShapeProto {
  dim?: Dimension[];
}

export interface TypeProto {
  tensor_type?: { elem_type?: number; shape?: TensorShapeProto };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  doc_string?: string;
}

export interface AttributeProto {
  name?: string;
  type?: number;
  doc_string?: string;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  /** A subgraph (the branches of `If`). */
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  attribute?: AttributeProto[];
  doc_string?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  doc_string?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  value_info?: ValueInfoProto[];
}

export interface OperatorSetIdProto {
  /** Empty or absent: the default `ai.onnx` domain. */
  domain?: string;
  version?: number;
}

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface ModelProto {
  ir_version?: number;
  opset_import?: OperatorSetIdProto[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: GraphProto;
  metadata_props?: StringStringEntryProto[];
}
