import { resolve } from 'node:path';
import type { OnnxSaeModel } from '@saekit/backend-onnx';
import { encodeSafetensors } from '@saekit/core';
import { SafetensorsFileWriter, writeFileAtomic } from '@saekit/core/node';
import { readIdxFile } from '@saekit/datasets';
import type { Command } from 'commander';
import { isActivationPath, openActivationInput, orderedStream } from '../activation-data.js';
import { int, splitOption, UsageError } from '../args.js';
import { BUILTIN_DATASETS, loadData } from '../data.js';

/** Rows encoded at a time from activations: memory is this many rows of inputs and latents. */
const ENCODE_CHUNK_ROWS = 1024;

interface Encoded {
  readonly n: number;
  readonly name: string;
}

/** Examples from an IDX image file (bytes / 255) or a dataset split, in memory. */
async function readInput(
  f: EncodeFlags,
): Promise<{ x: Float32Array; n: number; dim: number; labels?: Uint8Array; name: string }> {
  if (BUILTIN_DATASETS.includes(f.input)) {
    const data = await loadData({
      dataset: f.input,
      dataDir: f.dataDir,
      seed: f.seed,
      limit: f.limit,
      log: (s) => process.stderr.write(`${s}\n`),
    });
    const d = f.split === 'train' ? data.splits.train : data.splits.test;
    return { x: d.x, n: d.n, dim: d.dim, labels: d.labels, name: d.name };
  }
  const idx = await readIdxFile(f.input);
  const n = Math.min(idx.dims[0], f.limit ?? Number.POSITIVE_INFINITY);
  const dim = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i] / 255;
  return { x, n, dim, name: f.input };
}

function checkWidth(f: EncodeFlags, dim: number, model: OnnxSaeModel): void {
  if (dim !== model.config.inputDim)
    throw new Error(
      `${f.input}: examples have ${dim} features, the encoder in ${f.onnx} takes ${model.config.inputDim}`,
    );
}

/** In memory (IDX images, built-in datasets): the latents, and the labels when known. */
async function encodeInMemory(f: EncodeFlags, model: OnnxSaeModel, out: string): Promise<Encoded> {
  const input = await readInput(f);
  checkWidth(f, input.dim, model);
  const latents = await model.encode(input.x, input.n);
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {
    latents: { shape: [input.n, model.config.hiddenDim], data: latents },
  };
  if (input.labels)
    tensors.labels = { shape: [input.n], data: Float32Array.from(input.labels.subarray(0, input.n)) };
  await writeFileAtomic(out, encodeSafetensors(tensors, { source: input.name, model: resolve(f.onnx) }));
  return input;
}

/**
 * Activations, streamed: rows read in order a chunk at a time, their latents appended to the
 * output (its size is known from the header), which appears only once whole.
 */
async function encodeStreamed(f: EncodeFlags, model: OnnxSaeModel, out: string): Promise<Encoded> {
  const set = await openActivationInput({ path: f.input, tensor: f.tensor, split: 'train', limit: f.limit });
  checkWidth(f, set.dim, model);
  const H = model.config.hiddenDim;
  const stream = orderedStream(set);
  try {
    const writer = await SafetensorsFileWriter.create(
      out,
      { latents: [set.rows, H] },
      { source: set.name, model: resolve(f.onnx) },
    );
    try {
      const x = new Float32Array(Math.min(ENCODE_CHUNK_ROWS, set.rows) * set.dim);
      for (let rows = await stream.nextBatch(x); rows > 0; rows = await stream.nextBatch(x))
        await writer.write('latents', await model.encode(x.subarray(0, rows * set.dim), rows));
      await writer.close();
    } catch (e) {
      await writer.abort();
      throw e;
    }
  } finally {
    await stream.close();
  }
  return { n: set.rows, name: set.name };
}

interface EncodeFlags {
  onnx: string;
  input: string;
  split: 'train' | 'test';
  dataDir?: string;
  seed: number;
  limit?: number;
  tensor?: string;
  out: string;
}

export function encodeCommand(program: Command): void {
  program
    .command('encode')
    .description(
      'encode examples with an exported ONNX encoder; writes the latents as safetensors: "latents" F32 [n, hidden] (and "labels" F32 [n] when known)',
    )
    .requiredOption('--onnx <file>', 'an encoder exported by saekit export')
    .requiredOption(
      '--input <idx|dataset>',
      'an IDX image file (.gz or raw), activations (.npy, .safetensors or a directory of them: every row, streamed), or synthetic | mnist | fashion-mnist',
    )
    .option('--tensor <name>', 'the tensor of a .safetensors --input (default: its only 2-D tensor)')
    .addOption(splitOption())
    .option('--data-dir <dir>', 'MNIST / Fashion-MNIST directory')
    .option('--seed <n>', 'seed of the synthetic data', int(0), 0)
    .option('--limit <n>', 'first n examples only', int(1))
    .option('--out <file>', 'output file', 'latents.safetensors')
    .action(async (f: EncodeFlags) => {
      const activations = !BUILTIN_DATASETS.includes(f.input) && (await isActivationPath(f.input));
      if (f.tensor !== undefined && !activations)
        throw new UsageError(`--tensor applies only to a .safetensors --input (not ${f.input})`);
      // Imported here so that no other command loads ONNX Runtime.
      const { OnnxSaeModel } = await import('@saekit/backend-onnx');
      const model = await OnnxSaeModel.load(resolve(f.onnx));
      try {
        const out = resolve(f.out);
        const done = await (activations ? encodeStreamed : encodeInMemory)(f, model, out);
        process.stdout.write(
          `encoded ${done.n} examples of ${done.name} -> latents [${done.n}, ${model.config.hiddenDim}] in ${out}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}
