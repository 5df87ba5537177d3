import * as tf from '@tensorflow/tfjs-core';
import { type EngineTraits, probeNaN } from './ops.js';

/** What an initialised tfjs engine offers, found once per engine name. */
export interface EngineInfo extends EngineTraits {
  /** The tfjs backend name: `wasm`, `cpu`, `webgl`, ... */
  readonly engine: string;
  /** For `wasm`: whether the SIMD binary was loaded. */
  readonly simd?: boolean;
}

export interface EngineOptions {
  /**
   * For `wasm`: where the `.wasm` binaries are, as tfjs's `setWasmPaths` takes them (a folder
   * prefix ending in `/`, or a map per file name). In Node the default is the `dist/` folder of
   * the installed `@tensorflow/tfjs-backend-wasm`; in a browser, tfjs's own default (next to the
   * script) unless given.
   */
  readonly wasmPaths?: string | Record<string, string>;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

const inits = new Map<string, Promise<EngineInfo>>();

/** Initialises a tfjs engine once (later calls share the first one's promise). */
export function initEngine(engine: string, opts: EngineOptions = {}): Promise<EngineInfo> {
  let p = inits.get(engine);
  if (!p) {
    p = doInit(engine, opts);
    inits.set(engine, p);
    p.catch(() => inits.delete(engine)); // a failed init may be retried
  }
  return p;
}

async function doInit(engine: string, opts: EngineOptions): Promise<EngineInfo> {
  if (engine === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
  if (engine === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const paths = opts.wasmPaths ?? (isNode ? nodeWasmDir() : undefined);
    if (paths !== undefined) wasm.setWasmPaths(paths);
  }
  if (!tf.findBackendFactory(engine)) {
    throw new Error(
      `tfjs backend "${engine}" is not registered (registered: ${Object.keys(tf.engine().registryFactory).join(', ') || 'none'}); ` +
        `import its package first, e.g. import '@tensorflow/tfjs-backend-${engine}'`,
    );
  }
  return quietly(async () => {
    const ok = await withoutEmscriptenHandlers(() => tf.setBackend(engine));
    if (!ok) throw new Error(`tfjs backend "${engine}" failed to initialise`);
    // The probe also makes the first write, which is when tfjs-backend-cpu prints its Node banner.
    const nan = await probeNaN();
    const simd = engine === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : undefined;
    return { engine, simd, nan, tileIsFast: engine === 'cpu', explicitTranspose: engine === 'wasm' };
  });
}

/** The installed tfjs-backend-wasm's `dist/` folder as a path (Emscripten reads it with fs; no network). */
function nodeWasmDir(): string {
  const dist = new URL('./dist/', import.meta.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  return process.getBuiltinModule('node:url').fileURLToPath(dist); // keeps the trailing separator
}

/**
 * Runs `f` with tfjs's console warnings off (the `PROD` flag), then restores the flag. In Node,
 * tfjs-backend-cpu prints a "Hi, looks like you are running TensorFlow.js in Node.js" banner on
 * its first write; our init makes that write, so the banner stays quiet and nothing else changes.
 */
async function quietly<T>(f: () => Promise<T>): Promise<T> {
  const env = tf.env();
  const prev = env.getBool('PROD');
  env.set('PROD', true);
  try {
    return await f();
  } finally {
    env.set('PROD', prev);
  }
}

/**
 * The Emscripten runtime of tfjs-backend-wasm installs process-wide `uncaughtException` and
 * `unhandledRejection` handlers in Node when it starts (they rethrow, and would hide the host's
 * own handling, e.g. a test runner's). They serve no purpose for a library: remove exactly the
 * listeners added while `f` ran.
 */
async function withoutEmscriptenHandlers<T>(f: () => Promise<T>): Promise<T> {
  if (!isNode || typeof process.listeners !== 'function') return f();
  const events: string[] = ['uncaughtException', 'unhandledRejection'];
  const on = process as unknown as NodeJS.EventEmitter; // the generic view: both event names at once
  const before = events.map((e) => new Set(on.listeners(e)));
  try {
    return await f();
  } finally {
    events.forEach((e, i) => {
      for (const l of on.listeners(e))
        if (!before[i].has(l)) on.removeListener(e, l as (...a: unknown[]) => void);
    });
  }
}

/**
 * Makes `engine` tfjs's active backend. tfjs has one active backend per process; executables of
 * two engines (say wasm and cpu) may alternate, so each run activates its own. For an engine
 * that is already initialised, tf.setBackend switches synchronously (its promise only reports);
 * should a future tfjs not, the returned promise is awaited instead.
 */
export function activate(engine: string): Promise<void> | undefined {
  if (isActive(engine)) return undefined;
  const p = tf.setBackend(engine);
  if (isActive(engine)) {
    p.catch(() => {});
    return undefined;
  }
  return p.then((ok) => {
    if (!ok) throw new Error(`tfjs backend "${engine}" could not be activated`);
  });
}

export function isActive(engine: string): boolean {
  if (tf.getBackend() !== engine) return false;
  try {
    return tf.engine().backend === tf.findBackend(engine);
  } catch {
    return false; // the engine is still initialising
  }
}
