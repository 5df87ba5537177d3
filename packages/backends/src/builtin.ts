import type { Backend } from '@saekit/core';

/** The backends saekit ships, by the name the CLI, the bench and the conformance suite take. */
export const BUILTIN_BACKENDS = ['cpu', 'tfjs-cpu', 'tfjs-wasm', 'onnx'] as const;
export type BuiltinBackend = (typeof BUILTIN_BACKENDS)[number];

/** Options of `loadBackend` that some backends take. */
export interface BackendOptions {
  /**
   * onnx only: ONNX Runtime execution providers in order of preference, e.g. `['cuda', 'cpu']`
   * (default `['cpu']`); one that this onnxruntime-node lacks is an error naming those it has.
   */
  readonly providers?: readonly string[];
}

/** Builds the onnx backend, checking the providers now rather than at its first compile. */
async function onnx(o: BackendOptions): Promise<Backend> {
  const m = await import('@saekit/backend-onnx');
  const executionProviders = o.providers ? m.resolveProviders(o.providers) : undefined;
  return m.createOnnxBackend(executionProviders ? { executionProviders } : {});
}

// Each package is imported only when its backend is asked for: a CPU run never loads tfjs or
// ONNX Runtime (seconds of start-up and hundreds of MB).
const LOADERS: Record<BuiltinBackend, (o: BackendOptions) => Promise<Backend>> = {
  cpu: async () => (await import('@saekit/backend-cpu')).createCpuBackend(),
  'tfjs-cpu': async () => (await import('@saekit/backend-tfjs')).createTfjsBackend({ engine: 'cpu' }),
  'tfjs-wasm': async () => (await import('@saekit/backend-tfjs')).createTfjsBackend({ engine: 'wasm' }),
  onnx,
};

/** The backends that take `providers`. */
const TAKES_PROVIDERS: readonly string[] = ['onnx'];

export function isBuiltinBackend(name: string): name is BuiltinBackend {
  return (BUILTIN_BACKENDS as readonly string[]).includes(name);
}

/** A built-in backend by name; `providers` only for onnx (an error for the others). */
export async function loadBuiltinBackend(
  name: BuiltinBackend,
  options: BackendOptions = {},
): Promise<Backend> {
  if (options.providers !== undefined && !TAKES_PROVIDERS.includes(name))
    throw new Error(
      `backend ${name}: execution providers apply only to the ${TAKES_PROVIDERS.join(', ')} backend, not ${name}`,
    );
  return LOADERS[name](options);
}
