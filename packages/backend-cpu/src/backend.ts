import {
  BACKEND_SPEC_VERSION,
  type Backend,
  type CompileOptions,
  type FloatArray,
  type Graph,
} from '@saekit/core';
import { type ArrayFactory, CpuExecutable } from './executable.js';
import { availableThreads, ThreadPool } from './parallel/pool.js';

export type CpuDType = 'float32' | 'float64';

let allocations = 0;
/** How many arrays the CPU backends have allocated so far (tests use it to prove a step allocates none). */
export function cpuAllocationCount(): number {
  return allocations;
}

const f32: ArrayFactory<Float32Array> = {
  dtype: 'float32',
  count: () => {
    allocations++;
  },
  alloc: (n) => {
    allocations++;
    return new Float32Array(n);
  },
  is: (x): x is Float32Array => x instanceof Float32Array,
};
const f64: ArrayFactory<Float64Array> = {
  dtype: 'float64',
  count: () => {
    allocations++;
  },
  alloc: (n) => {
    allocations++;
    return new Float64Array(n);
  },
  is: (x): x is Float64Array => x instanceof Float64Array,
};

export interface CpuBackend<T extends FloatArray> extends Backend<T> {
  compile(graph: Graph, opts?: CompileOptions<T>): Promise<CpuExecutable<T>>;
  /** Compiles without a promise (the CPU backend has nothing to wait for). */
  compileSync(graph: Graph, opts?: CompileOptions<T>): CpuExecutable<T>;
}

export interface CpuBackendOptions {
  /**
   * Fuse chains of elementwise ops into one loop each, and compute a product that ReLU's derivative
   * masks only where it is kept (default true; false runs every op as written).
   */
  readonly fuse?: boolean;
  /**
   * Threads for large matrix products, elementwise loops and row/column sums (worker_threads over
   * SharedArrayBuffer). Default: every available core for the float32 backend, 1 for the float64
   * reference. 1 = no workers.
   */
  readonly threads?: number;
}

let sharedPool: ThreadPool | undefined;
/** @internal The process's thread pool, if one was started (tests look at its shared memory). */
export function sharedPoolForTests(): ThreadPool | undefined {
  return sharedPool;
}
/** One pool per process, grown on demand: workers are shared by every executable. */
function poolFor(threads: number): ThreadPool | undefined {
  if (threads < 2) return undefined;
  if (!sharedPool || sharedPool.threads < threads) {
    sharedPool?.close();
    sharedPool = ThreadPool.create(threads);
  }
  return sharedPool;
}

function make<T extends FloatArray>(
  name: string,
  arrays: ArrayFactory<T>,
  o: CpuBackendOptions,
  defaultThreads: number,
): CpuBackend<T> {
  const threads = o.threads ?? defaultThreads;
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`cpu backend: threads must be an integer >= 1, got ${threads}`);
  const compileSync = (graph: Graph, opts?: CompileOptions<T>) =>
    new CpuExecutable<T>(graph, arrays, opts?.state, { fuse: o.fuse, pool: poolFor(threads) });
  return {
    name,
    specVersion: BACKEND_SPEC_VERSION,
    compileSync,
    compile: async (graph, opts) => compileSync(graph, opts),
  };
}

/** The pure-JS CPU backend on Float32Array. */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend<Float32Array> {
  return make('cpu', f32, options, availableThreads());
}

/**
 * The same interpreter on Float64Array: the float64 reference that tests and the conformance
 * suite compare every backend against, and the one finite-difference checks run on.
 */
export function createReferenceBackend(options: CpuBackendOptions = {}): CpuBackend<Float64Array> {
  return make('cpu-f64', f64, options, 1);
}
