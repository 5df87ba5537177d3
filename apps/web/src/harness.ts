// The browser tests' entry (harness.html): trains the synthetic run and hands back the losses.
import { forwardDataset } from '@saekit/core';
import { createBrowserBackend, isBrowserBackend } from './train/backends.js';
import { trainInWorker, trainOnPage } from './train/client.js';
import { DEFAULT_RUN } from './train/recipe.js';
import { detectWebGpu } from './train/webgpu.js';
import { inputsFor } from './view/analysis.js';
import { loadRunFromUrl } from './view/run-files.js';

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

/** A run's latents of its inputs (see inputsFor) computed on `backend` on this page's thread. */
async function latents(
  backend: string,
  runUrl: string,
): Promise<{ hidden?: number[]; error?: { name: string; message: string } }> {
  try {
    if (!isBrowserBackend(backend)) throw new Error(`no backend ${backend}`);
    const run = await loadRunFromUrl(runUrl);
    const inputs = inputsFor(run);
    if (!inputs) throw new Error(`${runUrl}: no inputs to run`);
    const b = await createBrowserBackend(backend);
    const out = await forwardDataset(b, run.config, run.params, inputs.x, inputs.n, ['hidden']);
    return { hidden: Array.from(out.hidden) };
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    return { error: { name: err.name, message: err.message } };
  }
}

Object.assign(globalThis, { saekitHarness: { run, latents, webgpu: detectWebGpu } });
