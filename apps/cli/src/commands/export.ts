import { resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { int } from '../args.js';
import { readModel } from '../run-dir.js';

export function exportCommand(program: Command): void {
  program
    .command('export')
    .description(
      'export a trained model to ONNX (dynamic batch; input "input", output "latents" or "reconstruction")',
    )
    .requiredOption('--model <dir>', 'a run or checkpoint directory (cfg.json + sae_weights.safetensors)')
    .requiredOption('--onnx <file>', 'the .onnx file to write')
    .addOption(
      new Option('--part <part>', 'what to export').choices(['encoder', 'autoencoder']).default('encoder'),
    )
    .option('--opset <n>', 'ONNX opset (17 .. 26)', int(17, 26), 17)
    .action(async (f: { model: string; onnx: string; part: 'encoder' | 'autoencoder'; opset: number }) => {
      const { config, params } = await readModel(f.model);
      // Imported here so that no other command loads ONNX Runtime.
      const { exportSae, writeOnnxFile } = await import('@saekit/backend-onnx');
      const bytes = exportSae(config, params, { part: f.part, opset: f.opset });
      const out = resolve(f.onnx);
      await writeOnnxFile(out, bytes);
      process.stdout.write(
        `wrote ${f.part} (${config.inputDim} -> ${config.hiddenDim}, opset ${f.opset}, ${bytes.length} bytes) to ${out}\n`,
      );
    });
}
