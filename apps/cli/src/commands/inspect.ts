import { type AnySaeConfig, configToJson, paramShapes } from '@saekit/core';
import type { Command } from 'commander';
import { positive } from '../args.js';
import { asLoaded, describable, loadSaeForCli } from '../sae-source.js';

export function inspectCommand(program: Command): void {
  program
    .command('inspect')
    .description(
      'print what an SAE is: format, architecture, sizes, dtype, encoder settings, tensors (as JSON with --json)',
    )
    .argument(
      '<path>',
      'an SAE folder or file (SAELens, sparsify, Gemma Scope, Llama Scope, a saekit run) or an http(s) URL of one',
    )
    .option(
      '--norm-scaling-factor <x>',
      'for normalize_activations "expected_average_only_in": the factor',
      positive,
    )
    .option('--json', 'print JSON')
    .action(async (path: string, f: { normScalingFactor?: number; json?: boolean }) => {
      const m = await loadSaeForCli(path, { normScalingFactor: f.normScalingFactor });
      const s = m.kind === 'saekit' && !describable(m.config) ? undefined : asLoaded(m);
      const info = s
        ? {
            path,
            format: m.kind === 'saekit' ? 'saekit' : s.format,
            architecture: s.architecture,
            d_in: s.dIn,
            d_sae: s.dSae,
            d_out: s.dOut,
            dtype: s.dtype,
            ...s.forward,
            tensors: Object.fromEntries(Object.entries(s.params).map(([n, t]) => [n, t?.shape])),
          }
        : { path, format: 'saekit', ...(m.kind === 'saekit' ? saekitFields(m.config) : {}) };
      if (f.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      for (const [k, v] of Object.entries(info))
        process.stdout.write(`${k.padEnd(26)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
    });
}

/** A saekit model SAELens cannot describe: the SAELens-named fields of its cfg.json, its config and tensors. */
function saekitFields(c: AnySaeConfig): Record<string, unknown> {
  const { saekit, ...saelens } = configToJson(c);
  return { ...saelens, config: saekit, tensors: paramShapes(c) };
}
