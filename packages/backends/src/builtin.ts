import type { Backend } from '@saekit/core';

/** The backends saekit ships, by the name the CLI, the bench and the conformance suite take. */
export const BUILTIN_BACKENDS = ['cpu', 'tfjs-cpu', 'tfjs-wasm', 'onnx'] as const;
export type BuiltinBackend = (typeof BUILTIN_BACKENDS)[number];

// Each package is imported only when its backend is asked for: a CPU run never loads tfjs or
// ONNX Runtime (seconds of start-up and hundreds of MB).
const LOADERS: Record<BuiltinBackend, () => Promise<Backend>> = {
  cpu: async () => (await import('@saekit/backend-cpu')).createCpuBackend(),
  'tfjs-cpu': async () => (await import('@saekit/backend-tfjs')).createTfjsBackend({ engine: 'cpu' }),
  'tfjs-wasm': async () => (await import('@saekit/backend-tfjs')).createTfjsBackend({ engine: 'wasm' }),
  onnx: async () => (await import('@saekit/backend-onnx')).createOnnxBackend(),
};

export function isBuiltinBackend(name: string): name is BuiltinBackend {
  return (BUILTIN_BACKENDS as readonly string[]).includes(name);
}

/** A built-in backend by name. */
export function loadBuiltinBackend(name: BuiltinBackend): Promise<Backend> {
  return LOADERS[name]();
}
