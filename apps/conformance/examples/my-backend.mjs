// A third-party backend, as the conformance suite loads it: a module exporting a saekit Backend
// (here as a factory, `createBackend()`; `export default backend` or `export const backend` work
// too). It runs graphs on saekit's CPU backend, and pretends not to implement kthLargest, to show
// how an op a backend lacks is reported: `unsupported` rows, not failures.
import { createCpuBackend } from '@saekit/backend-cpu';
import { BACKEND_SPEC_VERSION, UnsupportedOpError } from '@saekit/core';

const SUPPORTED = new Set([
  'input',
  'const',
  'neg',
  'exp',
  'log',
  'sqrt',
  'abs',
  'sign',
  'relu',
  'sigmoid',
  'add',
  'sub',
  'mul',
  'div',
  'maximum',
  'greater',
  'greaterEqual',
  'where',
  'matmul',
  'sum',
  'reshape',
  'transpose',
  'broadcastTo',
]);

export function createBackend() {
  const cpu = createCpuBackend();
  return {
    name: 'my-backend',
    specVersion: BACKEND_SPEC_VERSION,
    supportedOps: SUPPORTED,
    async compile(graph, opts) {
      const missing = graph.nodes.find((n) => !SUPPORTED.has(n.op.kind));
      if (missing) throw new UnsupportedOpError('my-backend', missing.op.kind);
      return cpu.compile(graph, opts);
    },
  };
}
