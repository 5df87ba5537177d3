import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { checkThreads, graphLevel, type SessionConfig } from './ort-options.js';
import { resolveProviders } from './providers.js';

export { ort };
export type OrtTensor = ort.Tensor;
export type OrtSession = ort.InferenceSession;
export { type GraphOptimization, ortMessage, type SessionConfig } from './ort-options.js';

/** Session options for our graphs: one sequential stream of ops, each using `threads` threads. */
export function sessionOptions(cfg: SessionConfig = {}): ort.InferenceSession.SessionOptions {
  const threads = checkThreads(cfg.threads) ?? availableParallelism();
  return {
    executionProviders: resolveProviders(cfg.executionProviders),
    graphOptimizationLevel: graphLevel(cfg),
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableMemPattern: cfg.memoryPattern ?? true,
    logSeverityLevel: 3,
    ...(cfg.profile ? { enableProfiling: true, profileFilePrefix: cfg.profile } : {}),
  };
}

/** Whether an optimizer step may run on the host (executable.ts `hostUpdates: 'auto'`): in Node, yes. */
export const HOST_UPDATES = true;
