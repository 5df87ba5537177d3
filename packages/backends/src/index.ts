import type { Backend } from '@saekit/core';
import { type BackendOptions, BUILTIN_BACKENDS, isBuiltinBackend, loadBuiltinBackend } from './builtin.js';
import { loadBackendModule } from './module.js';

export {
  type BackendOptions,
  BUILTIN_BACKENDS,
  type BuiltinBackend,
  isBuiltinBackend,
  loadBuiltinBackend,
} from './builtin.js';
export { loadBackendModule } from './module.js';

/** Whether `spec` is taken as a module path rather than a name: it has a slash or a dot. */
export function isModuleSpec(spec: string): boolean {
  return /[/\\.]/.test(spec);
}

/**
 * A backend by name (`BUILTIN_BACKENDS`), or a third party's from a module path (see
 * `loadBackendModule`). A name that is neither is an error listing the choices. `options` go to
 * the built-in backends that take them (`providers`: onnx); a module takes none.
 */
export async function loadBackend(spec: string, options: BackendOptions = {}): Promise<Backend> {
  if (isBuiltinBackend(spec)) return loadBuiltinBackend(spec, options);
  if (!isModuleSpec(spec)) {
    throw new Error(
      `unknown backend "${spec}" (choose ${BUILTIN_BACKENDS.join(', ')}, or give a path to a module exporting a Backend)`,
    );
  }
  if (options.providers !== undefined)
    throw new Error(`backend module ${spec}: execution providers apply only to the onnx backend`);
  return loadBackendModule(spec);
}
