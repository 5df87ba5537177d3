import { resolve } from 'node:path';
import { encodeSafetensors } from '@saekit/core';
import { writeFileAtomic } from '@saekit/core/node';
import { readIdxFile } from '@saekit/datasets';
import type { Command } from 'commander';
import { isActivationPath } from '../activation-data.js';
import { int, splitOption, UsageError } from '../args.js';
import { loadData } from '../data.js';

const DATASETS = ['synthetic', 'mnist', 'fashion-mnist'];

/** Examples from an IDX image file (bytes / 255), activations (all rows), or a dataset split. */
async function readInput(
  f: EncodeFlags,
): Promise<{ x: Float32Array; n: number; dim: number; labels?: Uint8Array; name: string }> {
  const activations = await isActivationPath(f.input);
  if (f.tensor !== undefined && !activations)
    throw new UsageError(`--tensor applies only to a .safetensors --input (not ${f.input})`);
  if (DATASETS.includes(f.input) || activations) {
    const data = await loadData({
      dataset: f.input,
      dataDir: f.dataDir,
      seed: f.seed,
      limit: f.limit,
      tensor: f.tensor,
      log: (s) => process.stderr.write(`${s}\n`),
    });
    const d = f.split === 'train' || activations ? data.splits.train : data.splits.test;
    return { x: d.x, n: d.n, dim: d.dim, labels: d.labels, name: d.name };
  }
  const idx = await readIdxFile(f.input);
  const n = Math.min(idx.dims[0], f.limit ?? Number.POSITIVE_INFINITY);
  const dim = idx.dims.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) x[i] = idx.data[i] / 255;
  return { x, n, dim, name: f.input };
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
      'an IDX image file (.gz or raw), activations (.npy, .safetensors or a directory of them: every row), or synthetic | mnist | fashion-mnist',
    )
    .option('--tensor <name>', 'the tensor of a .safetensors --input (default: its only 2-D tensor)')
    .addOption(splitOption())
    .option('--data-dir <dir>', 'MNIST / Fashion-MNIST directory')
    .option('--seed <n>', 'seed of the synthetic data', int(0), 0)
    .option('--limit <n>', 'first n examples only', int(1))
    .option('--out <file>', 'output file', 'latents.safetensors')
    .action(async (f: EncodeFlags) => {
      // Imported here so that no other command loads ONNX Runtime.
      const { OnnxSaeModel } = await import('@saekit/backend-onnx');
      const model = await OnnxSaeModel.load(resolve(f.onnx));
      try {
        const input = await readInput(f);
        if (input.dim !== model.config.inputDim) {
          throw new Error(
            `${f.input}: examples have ${input.dim} features, the encoder in ${f.onnx} takes ${model.config.inputDim}`,
          );
        }
        const latents = await model.encode(input.x, input.n);
        const tensors: Record<string, { shape: number[]; data: Float32Array }> = {
          latents: { shape: [input.n, model.config.hiddenDim], data: latents },
        };
        if (input.labels)
          tensors.labels = { shape: [input.n], data: Float32Array.from(input.labels.subarray(0, input.n)) };
        const out = resolve(f.out);
        await writeFileAtomic(
          out,
          encodeSafetensors(tensors, { source: input.name, model: resolve(f.onnx) }),
        );
        process.stdout.write(
          `encoded ${input.n} examples of ${input.name} -> latents [${input.n}, ${model.config.hiddenDim}] in ${out}\n`,
        );
      } finally {
        model.dispose();
      }
    });
}
