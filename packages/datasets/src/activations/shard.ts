import { readSafetensorsHeaderPrefix, SafetensorsError, safetensorsHeaderLength } from '@saekit/core';
import { DatasetError } from '../errors.js';
import { type ActivationFile, type OpenActivationFile, openNodeFile, readExactly } from './file.js';
import { NPY_PREAMBLE, npyHeaderEnd, parseNpyHeader, type ShardDtype } from './npy.js';

/** One file of activations: `rows` vectors of `dim` values of `dtype`, from `dataOffset` on. */
export interface ShardInfo {
  readonly path: string;
  readonly format: 'npy' | 'safetensors';
  readonly dtype: ShardDtype;
  readonly rows: number;
  readonly dim: number;
  readonly dataOffset: number;
  /** The safetensors tensor read. */
  readonly tensor?: string;
}

export interface ShardOptions {
  /** The safetensors tensor to read; default the only 2-D tensor of the file. */
  tensor?: string;
  /** How files are opened (default Node's `fs.open`); tests watch the reads through it. */
  openFile?: OpenActivationFile;
}

const SAFETENSORS_DTYPES: Readonly<Record<string, ShardDtype>> = { F32: 'f32', F16: 'f16', BF16: 'bf16' };

/** Whether a file name is one a directory of shards is made of. */
export function isShardName(name: string): boolean {
  return name.endsWith('.npy') || name.endsWith('.safetensors');
}

/** Reads and checks a shard's header (only the header: the data stays on disk). */
export async function inspectShard(path: string, options: ShardOptions = {}): Promise<ShardInfo> {
  if (!isShardName(path)) throw new DatasetError(`${path}: not a .npy or .safetensors file`);
  const { file, size } = await (options.openFile ?? openNodeFile)(path);
  try {
    return path.endsWith('.npy')
      ? await inspectNpy(file, size, path)
      : await inspectSafetensors(file, size, path, options.tensor);
  } finally {
    await file.close();
  }
}

async function inspectNpy(file: ActivationFile, size: number, path: string): Promise<ShardInfo> {
  const first = new Uint8Array(Math.min(NPY_PREAMBLE, size));
  await readExactly(file, path, first, first.length, 0);
  const head = new Uint8Array(npyHeaderEnd(first, size, path));
  await readExactly(file, path, head, head.length, 0);
  return { path, format: 'npy', ...parseNpyHeader(head, size, path) };
}

async function inspectSafetensors(
  file: ActivationFile,
  size: number,
  path: string,
  tensor: string | undefined,
): Promise<ShardInfo> {
  try {
    const first = new Uint8Array(Math.min(8, size));
    await readExactly(file, path, first, first.length, 0);
    const head = new Uint8Array(8 + safetensorsHeaderLength(first, size, path));
    await readExactly(file, path, head, head.length, 0);
    const { entries, dataStart } = readSafetensorsHeaderPrefix(head, size, path);
    const names = entries.map((e) => `${e.name} ${e.dtype} [${e.shape.join(', ')}]`).join(', ');
    let entry = entries.find((e) => e.name === tensor);
    if (tensor !== undefined && !entry)
      throw new DatasetError(`${path}: no tensor "${tensor}" (it has ${names})`);
    if (!entry) {
      const flat = entries.filter((e) => e.shape.length === 2);
      if (flat.length !== 1)
        throw new DatasetError(
          `${path}: ${flat.length === 0 ? 'no' : flat.length} 2-D tensors; name the one to read with the tensor option (it has ${names})`,
        );
      entry = flat[0];
    }
    const dtype = SAFETENSORS_DTYPES[entry.dtype];
    if (!dtype)
      throw new DatasetError(
        `${path}: tensor "${entry.name}" is ${entry.dtype}; F32, F16 or BF16 can be read`,
      );
    if (entry.shape.length !== 2)
      throw new DatasetError(
        `${path}: tensor "${entry.name}" has shape [${entry.shape.join(', ')}], not 2-D [rows, dim]`,
      );
    if (entry.shape[1] === 0) throw new DatasetError(`${path}: tensor "${entry.name}" has dim 0`);
    const [rows, dim] = entry.shape;
    return {
      path,
      format: 'safetensors',
      dtype,
      rows,
      dim,
      dataOffset: dataStart + entry.begin,
      tensor: entry.name,
    };
  } catch (e) {
    if (e instanceof SafetensorsError) throw new DatasetError(e.message, { cause: e });
    throw e;
  }
}
