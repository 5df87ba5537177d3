// onnxruntime-web in place of onnxruntime-node (package.json "browser" maps ./dist/ort.js here), with
// the same exports as ../ort.ts, so the backend's code is the same in a page as in Node.
import * as ort from 'onnxruntime-web/wasm';

export { ort };
export type OrtTensor = ort.Tensor;
export type OrtSession = ort.InferenceSession;

export type GraphOptimization = 'disabled' | 'basic' | 'extended' | 'all';

export interface SessionConfig {
  /**
   * Threads of onnxruntime-web's wasm runtime. A page-wide setting there (`ort.env.wasm.numThreads`,
   * read when the first session is created), and more than 1 only where the page is cross-origin
   * isolated; default: onnxruntime-web's own choice.
   */
  readonly threads?: number;
  /** ONNX Runtime graph optimizations; default `all`. */
  readonly graphOptimization?: GraphOptimization;
}

const LEVELS: readonly GraphOptimization[] = ['disabled', 'basic', 'extended', 'all'];

/** Session options for our graphs on onnxruntime-web's wasm execution provider. */
export function sessionOptions(cfg: SessionConfig = {}): ort.InferenceSession.SessionOptions {
  const { threads } = cfg;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    throw new RangeError(`onnx: threads must be a positive integer, got ${threads}`);
  if (threads !== undefined) ort.env.wasm.numThreads = threads;
  const level = cfg.graphOptimization ?? 'all';
  if (!LEVELS.includes(level))
    throw new RangeError(`onnx: graphOptimization must be one of ${LEVELS.join(', ')}, got ${level}`);
  return {
    executionProviders: ['wasm'],
    graphOptimizationLevel: level,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
}

/** The message of whatever onnxruntime threw, without its long source-path prefix. */
export function ortMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^\S*onnxruntime_src\S*\s+(?:\S+::\S+\([^)]*\)\s*)?/, '').trim();
}
