// onnxruntime-web in place of onnxruntime-node (package.json "browser" maps ./dist/ort.js here), with
// the same exports as ../ort.ts, so the backend's code is the same in a page as in Node.
import * as web from 'onnxruntime-web/wasm';
import { checkThreads, graphLevel, type SessionConfig } from '../ort-options.js';
import { resolveProviders } from './providers.js';
import { loadWebGpuOrt } from './webgpu.js';

export { type GraphOptimization, ortMessage, type SessionConfig } from '../ort-options.js';

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
  const session = await (await buildFor(args[1])).InferenceSession.create(
    ...(args as unknown as [Uint8Array, web.InferenceSession.SessionOptions]),
  );
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

/** The build whose sessions run these options: the WebGPU one when `webgpu` is among the providers. */
async function buildFor(options: unknown): Promise<typeof web> {
  const providers = (options as web.InferenceSession.SessionOptions | undefined)?.executionProviders;
  if (!providers?.includes('webgpu')) return web;
  const gpu = await loadWebGpuOrt();
  // Each build has its own env (see ./webgpu.ts): the thread count asked goes to this one too.
  if (web.env.wasm.numThreads !== undefined) gpu.env.wasm.numThreads = web.env.wasm.numThreads;
  return gpu;
}

/** onnxruntime-web's API where the backend reads onnxruntime-node's (`ort.Tensor`, `ort.InferenceSession.create`). */
export const ort = { ...web, InferenceSession: { ...web.InferenceSession, create } } as unknown as typeof web;

/**
 * Session options for our graphs on onnxruntime-web: its wasm execution provider, or `webgpu` (then
 * with onnxruntime-web's WebGPU build, see ./webgpu.ts) in the order asked.
 */
export function sessionOptions(cfg: SessionConfig = {}): web.InferenceSession.SessionOptions {
  const threads = checkThreads(cfg.threads);
  const graphOptimizationLevel = graphLevel(cfg);
  if (threads !== undefined) web.env.wasm.numThreads = threads;
  return {
    executionProviders: resolveProviders(cfg.executionProviders),
    graphOptimizationLevel,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
}

/**
 * Whether an optimizer step may run on the host (executable.ts `hostUpdates: 'auto'`): not in a
 * page, where onnxruntime-web copies every input and output through its own WebAssembly memory
 * anyway, and compiling a kernel needs CSP's `wasm-unsafe-eval`.
 */
export const HOST_UPDATES = false;
