import { type BrowserBackendName, createBrowserBackend } from './backends.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { type ImageSubset, type SyntheticRun, trainSynthetic } from './recipe.js';
// The worker bundled by Vite, by address: the start-failure check asks the server for it.
import workerUrl from './worker.ts?worker&url';
import { watchWorkerStart } from './worker-start.js';

/** A training run in progress: `done` gives every step's loss; `stop` ends it after the current step. */
export interface Training {
  readonly done: Promise<{ losses: number[]; stopped: boolean; threads?: number }>;
  stop(): void;
}

export type OnStep = (step: number, loss: number) => void;

/** Trains in a dedicated Web Worker (the page stays responsive). */
export function trainInWorker(
  backend: BrowserBackendName,
  run: SyntheticRun,
  onStep: OnStep,
  images?: ImageSubset,
): Training {
  const url = new URL(workerUrl, location.href);
  const start = watchWorkerStart(url);
  let worker: Worker;
  try {
    worker = new Worker(url, { type: 'module' });
  } catch (e) {
    const done = start.explain((e as Error).message).then((err) => Promise.reject(err));
    return { done, stop: () => {} };
  }
  const send = (m: ToWorker): void => worker.postMessage(m);
  const done = new Promise<{ losses: number[]; stopped: boolean; threads?: number }>((resolve, reject) => {
    worker.onmessage = (ev: MessageEvent<FromWorker>) => {
      const m = ev.data;
      if (m.type === 'step') onStep(m.step, m.loss);
      else if (m.type === 'done') resolve(m);
      else reject(Object.assign(new Error(m.message), { name: m.name }));
    };
    worker.onerror = (ev) => {
      ev.preventDefault();
      void start.explain(ev.message).then(reject);
    };
  });
  done.finally(() => worker.terminate()).catch(() => {});
  send({ type: 'train', backend, run, images });
  return { done, stop: () => send({ type: 'stop' }) };
}

/** Trains on the page's own thread (tfjs-webgl needs the page's WebGL context). */
export function trainOnPage(
  backend: BrowserBackendName,
  run: SyntheticRun,
  onStep: OnStep,
  images?: ImageSubset,
): Training {
  const ctrl = new AbortController();
  const done = (async () => {
    const losses = await trainSynthetic(
      await createBrowserBackend(backend),
      run,
      onStep,
      ctrl.signal,
      images,
    );
    return { losses, stopped: ctrl.signal.aborted };
  })();
  return { done, stop: () => ctrl.abort() };
}
