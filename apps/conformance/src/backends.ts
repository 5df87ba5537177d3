import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertBackend, type Backend } from '@saekit/core';

/** The backends saekit ships, by the name the CLI and the conformance suite take. */
export const BUILTIN_BACKENDS = ['cpu', 'tfjs-cpu', 'tfjs-wasm', 'onnx'] as const;
export type BuiltinBackend = (typeof BUILTIN_BACKENDS)[number];

/**
 * A backend by name, or from a module path (a third party's backend): the module must export a
 * Backend as `default` or `backend`, or a factory `createBackend()`. Packages load lazily, so a
 * CPU run never loads tfjs or ONNX Runtime.
 */
export async function loadBackend(spec: string): Promise<Backend> {
  switch (spec) {
    case 'cpu':
      return (await import('@saekit/backend-cpu')).createCpuBackend();
    case 'tfjs-cpu':
    case 'tfjs-wasm':
      return await (await import('@saekit/backend-tfjs')).createTfjsBackend({
        engine: spec === 'tfjs-cpu' ? 'cpu' : 'wasm',
      });
    case 'onnx':
      return await (await import('@saekit/backend-onnx')).createOnnxBackend();
  }
  if (!/[/\\.]/.test(spec)) {
    throw new Error(
      `unknown backend "${spec}" (choose ${BUILTIN_BACKENDS.join(', ')}, or give a path to a module exporting a Backend)`,
    );
  }
  const path = isAbsolute(spec) ? spec : resolve(spec);
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (e) {
    throw new Error(`backend module ${path} could not be loaded: ${(e as Error).message}`);
  }
  const factory = mod.createBackend;
  const b = mod.default ?? mod.backend ?? (typeof factory === 'function' ? await factory() : undefined);
  assertBackend(b, `backend module ${path}`);
  return b;
}
