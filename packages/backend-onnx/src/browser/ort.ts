// onnxruntime-web in place of onnxruntime-node (package.json "browser" maps ./dist/ort.js here), with
// the same exports as ../ort.ts, so the backend's code is the same in a page as in Node.
import * as web from 'onnxruntime-web/wasm';

export type OrtTensor = web.Tensor;
export type OrtSession = web.InferenceSession;

type Fetches = web.InferenceSession.FetchesType;

/**
 * onnxruntime-web takes pre-allocated CPU output tensors but returns them unchanged (it copies the
 * results into new arrays instead), while the backend reads the tensors it passed, as
 * onnxruntime-node fills them in place. So each session's `run` asks for the outputs by name and
 * copies them into the given tensors: the same contract as on Node.
 */
async function create(...args: Parameters<typeof web.InferenceSession.create>): Promise<OrtSession> {
  const session = await (web.InferenceSession.create as (...a: unknown[]) => Promise<OrtSession>)(...args);
  const run = session.run.bind(session) as (
    f: unknown,
    o?: unknown,
    p?: unknown,
  ) => Promise<Record<string, OrtTensor>>;
  const filled = async (
    feeds: unknown,
    fetches?: Fetches | web.InferenceSession.RunOptions,
    options?: unknown,
  ) => {
    if (fetches === undefined || Array.isArray(fetches) || !isTensorMap(fetches))
      return run(feeds, fetches, options);
    const names = Object.keys(fetches);
    const results = await run(feeds, names, options);
    const out: Record<string, OrtTensor> = {};
    for (const name of names) {
      const given = fetches[name];
      if (given) (given.data as Float32Array).set(results[name].data as Float32Array);
      out[name] = given ?? results[name];
    }
    return out;
  };
  session.run = filled as OrtSession['run'];
  return session;
}

function isTensorMap(f: object): f is Record<string, OrtTensor | null> {
  return Object.values(f).some((t) => t instanceof web.Tensor);
}

/** onnxruntime-web's API where the backend reads onnxruntime-node's (`ort.Tensor`, `ort.InferenceSession.create`). */
export const ort = { ...web, InferenceSession: { ...web.InferenceSession, create } } as unknown as typeof web;

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
export function sessionOptions(cfg: SessionConfig = {}): web.InferenceSession.SessionOptions {
  const { threads } = cfg;
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1))
    throw new RangeError(`onnx: threads must be a positive integer, got ${threads}`);
  if (threads !== undefined) web.env.wasm.numThreads = threads;
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
