import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { checkProviders } from './ort-options.js';

/**
 * The execution providers this onnxruntime-node can run: those built into its binding, and those
 * whose provider library its installer put beside the binding (CUDA and TensorRT on Linux x64,
 * see docs/gpu.md of @saekit/backend-onnx). Listed is not the same as usable: CUDA also needs the CUDA 12 and cuDNN
 * libraries on the machine, which only creating a session finds out.
 */
export function availableProviders(): string[] {
  const bin = join(
    dirname(createRequire(import.meta.url).resolve('onnxruntime-node')),
    '..',
    'bin',
    'napi-v6',
    process.platform,
    process.arch,
  );
  return ort
    .listSupportedBackends()
    .filter((b) => b.bundled || existsSync(join(bin, `libonnxruntime_providers_${b.name}.so`)))
    .map((b) => b.name);
}

/** Checks the asked providers (default `cpu`) against the available ones, naming those when one is not. */
export function resolveProviders(asked: readonly string[] = ['cpu']): string[] {
  return checkProviders(asked, availableProviders(), 'onnxruntime-node');
}
