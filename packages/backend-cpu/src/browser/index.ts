// The browser entry (package.json `exports` condition "browser"): the same API as on Node. There is
// no worker-thread pool here: it runs on the thread that calls it, best a Web Worker (the page stays
// responsive; see apps/web). The only difference: createCpuBackend first checks that the page lets
// it generate code, and otherwise throws CpuEvalBlockedError, which says why and what to do.
import { type CpuBackend, type CpuBackendOptions, createCpuBackend as create } from '../backend.js';
import { checkCodeGeneration } from '../eval-check.js';

export * from '../index.js';

/** See the Node entry's createCpuBackend; throws CpuEvalBlockedError under a CSP without 'unsafe-eval'. */
export function createCpuBackend(options: CpuBackendOptions = {}): CpuBackend<Float32Array> {
  checkCodeGeneration();
  return create(options);
}
