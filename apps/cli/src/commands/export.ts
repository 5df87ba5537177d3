import { resolve } from 'node:path';
import type { AnySaeConfig, SaeParams } from '@saekit/core';
import { type Command, Option } from 'commander';
import { int, positive, UsageError } from '../args.js';
import { loadSaeForCli } from '../sae-source.js';
import { publishedEncoderOnnx } from './export-published.js';

interface ExportFlags {
  model: string;
  onnx: string;
  part: 'encoder' | 'autoencoder';
  opset: number;
  normScalingFactor?: number;
}

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export a trained model to ONNX (dynamic batch; input "input", output "latents" or "reconstruction")',
    )
    .requiredOption(
      '--model <path>',
      'a run or checkpoint directory, or any SAE saekit reads (SAELens, sparsify, Gemma Scope, Llama Scope)',
    )
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .addOption(
      new Option('--part <part>', 'what to export').choices(['encoder', 'autoencoder']).default('encoder'),
    )
    .option('--opset <n>', 'ONNX opset (17 .. 26)', int(17, 26), 17)
    .option(
      '--norm-scaling-factor <x>',
      'for normalize_activations "expected_average_only_in": the factor',
      positive,
    )
    .action(async (f: ExportFlags) => {
      const m = await loadSaeForCli(f.model, { normScalingFactor: f.normScalingFactor });
      // Imported here so that no other command loads ONNX Runtime.
      const { exportSae, writeOnnxFile } = await import('@saekit/backend-onnx');
      const { toSaekit } = await import('@saekit/formats');
      let own: { config: AnySaeConfig; params: SaeParams } | undefined;
      if (m.kind === 'saekit') own = m;
      else
        try {
          own = toSaekit(m.sae);
        } catch {
          // Not saekit's model: exported through its own encoder graph below.
        }
      const out = resolve(f.onnx);
      if (own) {
        const bytes = exportSae(own.config, own.params, { part: f.part, opset: f.opset });
        await writeOnnxFile(out, bytes);
        process.stdout.write(
          `wrote ${f.part} (${own.config.inputDim} -> ${own.config.hiddenDim}, opset ${f.opset}, ${bytes.length} bytes) to ${out}\n`,
        );
        return;
      }
      if (m.kind !== 'published') return;
      if (f.part !== 'encoder')
        throw new UsageError(
          `--part autoencoder: ${f.model} is a ${m.sae.architecture} SAE; only its encoder exports`,
        );
      const bytes = await publishedEncoderOnnx(m.sae, f.opset);
      await writeOnnxFile(out, bytes);
      process.stdout.write(
        `wrote encoder of ${m.sae.format} ${m.sae.architecture} (${m.sae.dIn} -> ${m.sae.dSae}, opset ${f.opset}, ${bytes.length} bytes) to ${out}\n`,
      );
    });
}
