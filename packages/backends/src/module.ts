import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertBackend, type Backend } from '@saekit/core';

/**
 * A third party's backend from a module file (relative paths from the working directory). The
 * module exports a Backend as `default` or `backend`, or a factory `createBackend()` (sync or
 * async); every failure names the module and what it lacks.
 */
export async function loadBackendModule(path: string): Promise<Backend> {
  const file = isAbsolute(path) ? path : resolve(path);
  const source = `backend module ${file}`;
  let mod: Record<string, unknown>;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (e) {
    throw new Error(`${source} could not be loaded: ${(e as Error).message}`);
  }
  let b = mod.default ?? mod.backend;
  const factory = mod.createBackend;
  if (b === undefined && typeof factory === 'function') {
    try {
      b = await factory();
    } catch (e) {
      throw new Error(`${source}: createBackend() failed: ${(e as Error).message}`);
    }
  }
  assertBackend(b, source);
  return b;
}
