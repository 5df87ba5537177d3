import { readdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { WriteDtype } from '@saekit/core';
import { saeLensFiles, sparsifyFiles } from '@saekit/formats';
import { writeSaeFiles } from '@saekit/formats/node';
import { type Command, Option } from 'commander';
import { positive, UsageError } from '../args.js';
import { asLoaded, loadSaeForCli } from '../sae-source.js';

const DTYPES: Readonly<Record<string, WriteDtype>> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };

/** OUT must be new or empty: files of two formats in one folder would make it ambiguous. */
async function checkEmpty(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new UsageError(`${dir}: ${(e as Error).message}`);
  }
  if (names.length)
    throw new UsageError(`${dir} is not empty (${names.slice(0, 3).join(', ')}...); give a new folder`);
}

export function convertCommand(program: Command): void {
  program
    .command('convert')
    .description('convert an SAE (any format saekit reads, or a saekit run) to SAELens or sparsify files')
    .argument('<in>', 'an SAE folder or file, or an http(s) URL of a folder')
    .argument('<out>', 'a new (or empty) folder to write')
    .addOption(
      new Option('--to <format>', 'the format to write')
        .choices(['saelens', 'sparsify'])
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--dtype <dtype>', 'the dtype of the tensors written')
        .choices(['f32', 'f16', 'bf16'])
        .default('f32'),
    )
    .option(
      '--norm-scaling-factor <x>',
      'for normalize_activations "expected_average_only_in": the factor',
      positive,
    )
    .action(
      async (
        input: string,
        out: string,
        f: { to: 'saelens' | 'sparsify'; dtype: string; normScalingFactor?: number },
      ) => {
        const dir = resolve(out);
        await checkEmpty(dir);
        const s = asLoaded(await loadSaeForCli(input, { normScalingFactor: f.normScalingFactor }));
        const dtype = DTYPES[f.dtype];
        const files = f.to === 'saelens' ? saeLensFiles(s, dtype) : sparsifyFiles(s, dtype);
        await writeSaeFiles(dir, files);
        process.stdout.write(
          `wrote ${s.architecture} SAE (${s.dIn} -> ${s.dSae}, ${dtype}) from ${s.format} as ${f.to} to ${dir}: ${Object.keys(files).join(', ')}\n`,
        );
      },
    );
}
