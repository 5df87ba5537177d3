// The thread pool's workers in a browser: Web Workers on the same shared memory and control blocks
// as Node's worker threads (pool.ts), for a backend running in a Web Worker of a cross-origin
// isolated page (SharedArrayBuffer exists only there; Atomics.wait, which the calling thread
// blocks in, only off the page's main thread). Elsewhere there is no pool, and the backend runs
// on one thread.
import { FAIL_BYTES, READY, readFailure, WEB_CTRL_INTS } from './web-protocol.js';

/** The part of a browser's Worker the pool uses (declared here: this package builds without DOM types). */
interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onerror: ((ev: { message?: string }) => void) | null;
}
declare const Worker: new (url: URL, options: { type: 'module' }) => WebWorker;

export interface WebPoolWorker {
  readonly ctrl: Int32Array;
  readonly port: { postMessage(message: unknown): void; close(): void };
  readonly failure: () => string | undefined;
}

interface BrowserGlobals {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: unknown;
  Worker?: unknown;
  navigator?: { hardwareConcurrency?: number };
}

/** Threads a pool may use here: the cores in a Web Worker of an isolated page, else 1. */
export function webThreads(): number {
  const g = globalThis as BrowserGlobals;
  const usable =
    g.crossOriginIsolated === true && g.WorkerGlobalScope !== undefined && g.Worker !== undefined;
  return usable ? Math.max(1, g.navigator?.hardwareConcurrency ?? 1) : 1;
}

/** Control blocks of workers not yet known to be listening. */
let starting: Int32Array[] = [];
/** Why a pool worker could not start (its error event: a script not served, or refused), if one could not. */
let startFailure: string | undefined;

/** How long workers may take to start before the backend gives up on them. */
const START_MS = 60_000;

/**
 * Resolves once every pool worker started so far is listening. A nested Web Worker starts only
 * when the thread that created it returns to its event loop, and the calling thread blocks in
 * Atomics.wait during a run: so the browser entry awaits this in `compile`, before any run.
 */
export async function webPoolReady(): Promise<void> {
  const t0 = Date.now();
  while (starting.some((c) => Atomics.load(c, READY) === 0)) {
    if (startFailure) {
      const err = new Error(
        `cpu backend: a thread-pool Web Worker could not start (${startFailure}). Serve the built worker script beside the backend's, allow it in the page's Content-Security-Policy (worker-src 'self'), or createCpuBackend({ threads: 1 }) to compute on one thread`,
      );
      err.name = 'CpuPoolStartError';
      throw err;
    }
    if (Date.now() - t0 > START_MS)
      throw new Error(
        `cpu backend: its Web Workers did not start within ${START_MS / 1000} s (is parallel/web-worker.js served, and allowed by the page's worker-src?); createCpuBackend({ threads: 1 }) runs without them`,
      );
    await new Promise((ok) => setTimeout(ok, 1));
  }
  starting = [];
}

/** `n` Web Workers, each with its control block and a shared buffer for its failure report. */
export function startWebWorkers(n: number): WebPoolWorker[] {
  const out: WebPoolWorker[] = [];
  for (let i = 0; i < n; i++) {
    const ctrl = new SharedArrayBuffer(WEB_CTRL_INTS * 4);
    const fail = new SharedArrayBuffer(FAIL_BYTES);
    // This exact form (`new Worker(new URL('…', import.meta.url), …)`) is what bundlers follow.
    const w = new Worker(new URL('./web-worker.js', import.meta.url), { type: 'module' });
    const ready = new Int32Array(ctrl);
    // A script that does not load gives only this event (no message): without it the wait above would time out.
    w.onerror = (ev) => {
      if (Atomics.load(ready, READY) === 0)
        startFailure ??= ev.message || 'its script did not load: not served, or refused by the page';
    };
    w.postMessage({ init: { ctrl, fail } });
    starting.push(ready);
    out.push({
      ctrl: new Int32Array(ctrl),
      port: { postMessage: (m) => w.postMessage(m), close: () => w.terminate() },
      failure: () => readFailure(new Int32Array(fail)),
    });
  }
  return out;
}
