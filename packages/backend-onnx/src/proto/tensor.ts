import { DataType, type TensorProto } from './types.js';

/** A float32 tensor, values as little-endian `raw_data` (exact for Float32Array input). */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): TensorProto {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: raw };
}

/** An int64 tensor, values as little-endian `raw_data`. */
export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { name, dims: [...dims], data_type: DataType.INT64, raw_data: raw };
}

/** The values of a float32 tensor, from `raw_data` or `float_data`. */
export function readFloatTensor(t: TensorProto): Float32Array {
  if (t.data_type !== DataType.FLOAT)
    throw new TypeError(`tensor "${t.name}": data_type ${t.data_type} is not FLOAT (1)`);
  const n = (t.dims ?? []).reduce((a, b) => a * b, 1);
  let out: Float32Array;
  if (t.raw_data && t.raw_data.length > 0) {
    if (t.raw_data.length !== n * 4)
      throw new RangeError(`tensor "${t.name}": ${t.raw_data.length} raw bytes for ${n} floats`);
    const view = new DataView(t.raw_data.buffer, t.raw_data.byteOffset, t.raw_data.byteLength);
    out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  } else {
    out = Float32Array.from(t.float_data ?? []);
    if (out.length !== n)
      throw new RangeError(`tensor "${t.name}": ${out.length} floats for dims [${t.dims}]`);
  }
  return out;
}
