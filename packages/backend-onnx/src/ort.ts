import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { resolveProviders } from './providers.js';

export { ort };
export type OrtTensor = ort.Tensor;
export type OrtSession = ort.InferenceSession;

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionConfig {
  /** Intra-op threads; default: the number of cores. */
  readonly threads?: number;
  /** ONNX Runtime graph optimizations; default `all`. */
  readonly graphOptimization?: GraphOptimization;
  /**
   * Execution providers in order of preference, e.g. `['cuda', 'cpu']`; default `['cpu']`. One
   * this onnxruntime-node does not have is an error naming those it has.
   */
  readonly executionProviders?: readonly string[];
  /**
   * ONNX Runtime's memory pattern (one block for all of a run's intermediates, planned after the
   * first run); default on. Its block comes on top of what the arena kept from the first run.
   */
  readonly memoryPattern?: boolean;
}

const LEVELS: readonly GraphOptimization[] = ['disabled', 'basic', 'extended', 'all'];

/** Session options for our graphs: one sequential stream of ops, each using `threads` threads. */
export function sessionOptions(cfg: SessionConfig = {}): ort.InferenceSession.SessionOptions {
  const threads = cfg.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1)
    throw new RangeError(`onnx: threads must be a positive integer, got ${threads}`);
  const level = cfg.graphOptimization ?? 'all';
  if (!LEVELS.includes(level))
    throw new RangeError(`onnx: graphOptimization must be one of ${LEVELS.join(', ')}, got ${level}`);
  return {
    executionProviders: resolveProviders(cfg.executionProviders),
    graphOptimizationLevel: level,
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableMemPattern: cfg.memoryPattern ?? true,
    logSeverityLevel: 3,
  };
}

/** The message of whatever onnxruntime threw, without its long source-path prefix. */
export function ortMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^\S*onnxruntime_src\S*\s+(?:\S+::\S+\([^)]*\)\s*)?/, '').trim();
}
