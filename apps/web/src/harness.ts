// The browser tests' entry (harness.html): trains the synthetic run and hands back the losses.
import { isBrowserBackend } from './train/backends.js';
import { trainInWorker, trainOnPage } from './train/client.js';
import { DEFAULT_RUN } from './train/recipe.js';
import { detectWebGpu } from './train/webgpu.js';

export interface HarnessResult {
  readonly losses?: number[];
  readonly error?: { readonly name: string; readonly message: string };
  readonly isolated: boolean;
  readonly threads?: number;
  /** navigator.hardwareConcurrency */
  readonly cores?: number;
}

async function run(backend: string, steps: number, where: 'worker' | 'page'): Promise<HarnessResult> {
  const isolated = globalThis.crossOriginIsolated === true;
  try {
    if (!isBrowserBackend(backend)) throw new Error(`no backend ${backend}`);
    const start = where === 'worker' ? trainInWorker : trainOnPage;
    const { losses, threads } = await start(backend, { ...DEFAULT_RUN, steps }, () => {}).done;
    return { losses, isolated, threads, cores: navigator.hardwareConcurrency };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { error: { name: err.name, message: err.message }, isolated };
  }
}

Object.assign(globalThis, { saekitHarness: { run, webgpu: detectWebGpu } });
