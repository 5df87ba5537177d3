// The browser entry (package.json `exports` condition "browser"): the same API as on Node. Run it in
// a Web Worker (the page stays responsive; see apps/web): there, on a cross-origin isolated page, it
// splits large nodes over a pool of Web Workers on SharedArrayBuffer (parallel/web-pool.ts); elsewhere
// it runs on one thread. createCpuBackend first checks that the page lets it generate code, and
// otherwise throws CpuEvalBlockedError, which says why and what to do. Compile with `compile`, not
// `compileSync`: the pool's workers start while it awaits.
import {
  type CpuBackend,
  type CpuBackendOptions,
  createCpuBackend as create,
  sharedPoolForTests,
} from '../backend.js';
import { checkCodeGeneration } from '../eval-check.js';
import { webPoolReady } from '../parallel/web-pool.js';

export * from '../index.js';

/** See the Node entry's createCpuBackend; throws CpuEvalBlockedError under a CSP without 'unsafe-eval'. */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend<Float32Array> {
  checkCodeGeneration();
  const backend = create(options);
  // Lets the pool's workers start before the first run blocks this thread (see webPoolReady).
  const compile: typeof backend.compile = async (graph, opts) => {
    const exe = backend.compileSync(graph, opts);
    await webPoolReady();
    return exe;
  };
  return { ...backend, compile };
}

/** Threads the cpu backend computes on here: more than 1 in a Web Worker of a cross-origin isolated page. */
export function cpuThreads(): number {
  return sharedPoolForTests()?.threads ?? 1;
}
