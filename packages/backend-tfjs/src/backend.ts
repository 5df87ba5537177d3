import {
  BACKEND_SPEC_VERSION,
  type Backend,
  type CompileOptions,
  type Graph,
  OP_KINDS,
  type OpKind,
} from '@saekit/core';
import { activate, type EngineInfo, type EngineOptions, initEngine } from './engine.js';
import { TfjsExecutable } from './executable.js';

/** Every primitive of saekit's graph: this backend runs them all. */
export const TFJS_SUPPORTED_OPS: ReadonlySet<OpKind> = Object.freeze(new Set<OpKind>(OP_KINDS));

export interface TfjsBackendOptions extends EngineOptions {
  /**
   * The tfjs backend that runs the ops: `wasm` (default; tfjs-backend-wasm, SIMD when available),
   * `cpu` (tfjs-backend-cpu, plain JS), or the name of any other tfjs backend already registered
   * by importing its package (e.g. `webgl` or `webgpu` in a browser).
   */
  readonly engine?: 'wasm' | 'cpu' | (string & {});
}

export interface TfjsBackend extends Backend<Float32Array> {
  /** The tfjs backend name the graphs run on. */
  readonly engine: string;
  /** What the engine's initialisation found (SIMD, which ops needed a NaN fix). */
  readonly info: EngineInfo;
  compile(graph: Graph, opts?: CompileOptions<Float32Array>): Promise<TfjsExecutable>;
}

/**
 * A saekit backend running graphs with @tensorflow/tfjs-core ops on the given tfjs engine. Async
 * because tfjs engines initialise asynchronously (wasm compiles its binary). Engines are shared
 * process-wide: creating two backends on one engine initialises it once.
 */
export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<TfjsBackend> {
  const engine = options.engine ?? 'wasm';
  const info = await initEngine(engine, options);
  const name = `tfjs-${engine}`;
  return {
    name,
    specVersion: BACKEND_SPEC_VERSION,
    supportedOps: TFJS_SUPPORTED_OPS,
    engine,
    info,
    async compile(graph, opts) {
      for (let wait = activate(engine); wait; wait = activate(engine)) await wait;
      return new TfjsExecutable(graph, engine, name, info, opts?.state);
    },
  };
}
