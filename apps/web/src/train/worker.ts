// The training worker: trains the synthetic run on the backend it is asked for, posting each step's
// loss, off the page's main thread (the cpu backend's loops would otherwise freeze the page).
import { createBrowserBackend } from './backends.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { trainSynthetic } from './recipe.js';

const post = (m: FromWorker): void => self.postMessage(m);
let stop: AbortController | undefined;

self.onmessage = async (ev: MessageEvent<ToWorker>) => {
  const m = ev.data;
  if (m.type === 'stop') {
    stop?.abort();
    return;
  }
  stop = new AbortController();
  try {
    const backend = await createBrowserBackend(m.backend);
    const losses = await trainSynthetic(
      backend,
      m.run,
      (step, loss) => post({ type: 'step', step, loss }),
      stop.signal,
      m.images,
    );
    const threads = m.backend === 'cpu' ? (await import('@saekit/backend-cpu')).cpuThreads() : undefined;
    post({ type: 'done', losses, stopped: stop.signal.aborted, threads });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    post({ type: 'error', name: err.name, message: err.message });
  }
};
