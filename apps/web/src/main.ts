// The page: open a run (picker, drop, URL or ?run=URL), see its features and inputs, train in the page.
import { createCpuBackend } from '@saekit/backend-cpu';
import { type Analysis, analyse, type Inputs, inputsFor } from './view/analysis.js';
import { el } from './view/draw.js';
import { renderGallery } from './view/gallery.js';
import { renderInput } from './view/inspect.js';
import { fetchManifest } from './view/manifest.js';
import { describeConfig, type LoadedRun, loadRunFromFiles, loadRunFromUrl } from './view/run-files.js';
import { mountTrainPanel } from './view/train-panel.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const status = $('status');
const gallery = $('gallery');
const inspect = $('inspect');
const pick = $<HTMLInputElement>('input-index');

let current: { run: LoadedRun; inputs?: Inputs; analysis?: Analysis } | undefined;

function showInput(i: number): void {
  if (!current?.analysis || !current.inputs) return;
  const n = current.analysis.n;
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    inspect.replaceChildren(el('p', `input index must be an integer in [0, ${n - 1}], got ${i}`, 'error'));
    return;
  }
  pick.value = String(i);
  renderInput(inspect, current.analysis, current.inputs, i);
}

async function open(load: () => Promise<LoadedRun>): Promise<void> {
  document.body.dataset.state = 'loading';
  status.textContent = 'loading…';
  try {
    const run = await load();
    const inputs = inputsFor(run);
    const analysis = inputs ? await analyse(createCpuBackend(), run.config, run.params, inputs) : undefined;
    current = { run, inputs, analysis };
    status.textContent =
      `${run.source}: ${describeConfig(run.config)}; ` +
      (inputs
        ? `${inputs.n} inputs from ${inputs.source}`
        : 'no inputs (drop a .safetensors [n, inputDim] with the checkpoint to see them)');
    renderGallery(gallery, run, analysis, showInput);
    pick.max = String((inputs?.n ?? 1) - 1);
    if (analysis) showInput(0);
    else inspect.replaceChildren();
    document.body.dataset.state = 'ready';
  } catch (e) {
    status.textContent = `could not open it: ${(e as Error).message}`;
    document.body.dataset.state = 'error';
  }
}

$<HTMLInputElement>('pick-dir').onchange = (ev) => {
  const files = [...((ev.target as HTMLInputElement).files ?? [])];
  if (files.length) void open(() => loadRunFromFiles(files));
};
$<HTMLInputElement>('pick-files').onchange = (ev) => {
  const files = [...((ev.target as HTMLInputElement).files ?? [])];
  if (files.length) void open(() => loadRunFromFiles(files));
};
$('open-url').onclick = () => {
  const url = $<HTMLInputElement>('url').value.trim();
  if (url) void open(() => loadRunFromUrl(url));
};
const drop = $('drop');
drop.ondragover = (ev) => {
  ev.preventDefault();
  drop.classList.add('over');
};
drop.ondragleave = () => drop.classList.remove('over');
drop.ondrop = (ev) => {
  ev.preventDefault();
  drop.classList.remove('over');
  const files = [...(ev.dataTransfer?.files ?? [])];
  if (files.length) void open(() => loadRunFromFiles(files));
};
pick.onchange = () => showInput(Number(pick.value));

mountTrainPanel($('train'));
const runUrl = new URLSearchParams(location.search).get('run');
if (runUrl) void open(() => loadRunFromUrl(runUrl));
else void openManifestRun();

/** The run this page was copied into by `saekit report --web`, if it was. */
async function openManifestRun(): Promise<void> {
  const m = await fetchManifest().catch((e: Error) => {
    status.textContent = e.message;
    document.body.dataset.state = 'error';
    return null;
  });
  const where = `the run this page was copied into (${m?.run})`;
  if (m) await open(async () => ({ ...(await loadRunFromUrl(m.run, m.inputs ?? [])), source: where }));
  else if (m === undefined) document.body.dataset.state = 'empty';
}
