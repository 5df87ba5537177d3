import { BROWSER_BACKENDS, type BrowserBackendName, isBrowserBackend } from '../train/backends.js';
import { type Training, trainInWorker, trainOnPage } from '../train/client.js';
import { imageSubset } from '../train/idx-file.js';
import { DEFAULT_RUN, type ImageSubset } from '../train/recipe.js';
import { detectWebGpu } from '../train/webgpu.js';
import { drawLine, el } from './draw.js';

/** The data is drawn for all steps at once (batch × steps examples), so steps are bounded. */
const MAX_STEPS = 5000;

/**
 * Trains the synthetic SAE in the page: backend switch, steps, train / stop, a progress bar and a
 * live loss chart. tfjs-webgl trains on the page's thread (its WebGL context lives there), the
 * others in a Web Worker.
 */
export function mountTrainPanel(root: HTMLElement): void {
  const select = el('select');
  for (const b of BROWSER_BACKENDS) select.append(new Option(b, b));
  const gpuNote = el('p', 'WebGPU: checking…', 'webgpu');
  void offerWebGpu(select, gpuNote);
  const steps = el('input');
  Object.assign(steps, {
    type: 'number',
    min: '1',
    max: String(MAX_STEPS),
    value: String(DEFAULT_RUN.steps),
  });
  const data = el('select');
  data.append(new Option('synthetic', 'synthetic'), new Option('MNIST subset', 'images'));
  const files = el('input');
  Object.assign(files, {
    type: 'file',
    multiple: true,
    title: 'train-images and train-labels IDX files (.gz or not)',
  });
  const subset = el('input');
  Object.assign(subset, { type: 'number', min: '1', value: '5000', title: 'images used' });
  const imagesRow = el('div', '', 'controls images');
  imagesRow.append(
    'MNIST-style IDX files (train-images and train-labels, .gz or not) ',
    files,
    ' first ',
    subset,
    ' images',
  );
  imagesRow.hidden = true;
  data.onchange = () => {
    imagesRow.hidden = data.value !== 'images';
  };
  const start = el('button', 'train');
  const stop = el('button', 'stop');
  stop.disabled = true;
  const bar = el('progress');
  const status = el('span', '', 'status');
  const chart = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  chart.classList.add('chart');
  let running: Training | undefined;

  start.onclick = async () => {
    const backend = select.value;
    const n = Number(steps.value);
    if (!isBrowserBackend(backend)) return;
    if (!Number.isInteger(n) || n < 1 || n > MAX_STEPS) {
      status.textContent = `steps must be an integer in [1, ${MAX_STEPS}], got ${steps.value}`;
      return;
    }
    let images: ImageSubset | undefined;
    if (data.value === 'images') {
      try {
        images = await readImages(files.files, Number(subset.value));
      } catch (e) {
        status.textContent = (e as Error).message;
        return;
      }
    }
    const losses: number[] = [];
    bar.max = n;
    bar.value = 0;
    const where = backend === 'tfjs-webgl' ? trainOnPage : trainInWorker;
    const t0 = performance.now();
    const run = images ? { ...DEFAULT_RUN, steps: n, batchSize: 256 } : { ...DEFAULT_RUN, steps: n };
    const onStep = (step: number, loss: number) => {
      losses.push(loss);
      bar.value = step;
      status.textContent = `step ${step}/${n}  loss ${loss.toFixed(5)}`;
      if (step % 5 === 0 || step === n) drawLine(chart, losses);
    };
    running = where(backend as BrowserBackendName, run, onStep, images);
    start.disabled = true;
    stop.disabled = false;
    try {
      const r = await running.done;
      drawLine(chart, r.losses);
      root.dataset.losses = JSON.stringify(r.losses); // for the page test
      const s = ((performance.now() - t0) / 1000).toFixed(1);
      status.textContent = `${r.stopped ? 'stopped' : 'done'} after ${r.losses.length} steps on ${backend} (${s} s); last loss ${r.losses.at(-1)?.toFixed(5)}`;
    } catch (e) {
      status.textContent = `${(e as Error).name}: ${(e as Error).message}`;
    } finally {
      running = undefined;
      start.disabled = false;
      stop.disabled = true;
    }
  };
  stop.onclick = () => running?.stop();

  const row = el('div', '', 'controls');
  row.append('data ', data, ' backend ', select, ' steps ', steps, ' ', start, ' ', stop, ' ', bar);
  root.append(row, imagesRow, gpuNote, status, chart);
}

const WEBGPU_BACKENDS: readonly BrowserBackendName[] = ['tfjs-webgpu', 'onnx-webgpu'];

/** Offers the WebGPU backends only where there is an adapter, and says which (and why not) on the page. */
async function offerWebGpu(select: HTMLSelectElement, note: HTMLElement): Promise<void> {
  const gpu = await detectWebGpu();
  for (const option of select.options) {
    if (!(WEBGPU_BACKENDS as readonly string[]).includes(option.value)) continue;
    option.disabled = !gpu.available;
    if (!gpu.available) option.textContent = `${option.value} (unavailable)`;
  }
  note.dataset.available = String(gpu.available);
  note.textContent = `WebGPU: ${gpu.reason}; ${WEBGPU_BACKENDS.join(' and ')} ${gpu.available ? 'are' : 'are not'} offered.`;
}

/** The picked pair of IDX files, told apart by name (`…images…`, `…labels…`), as the first `n` images. */
async function readImages(list: FileList | null, n: number): Promise<ImageSubset> {
  const picked = [...(list ?? [])];
  const images = picked.find((f) => /images/i.test(f.name));
  const labels = picked.find((f) => /labels/i.test(f.name));
  if (!images || !labels)
    throw new Error(
      `pick two IDX files, one named …images… and one …labels… (got ${picked.map((f) => f.name).join(', ') || 'none'})`,
    );
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`the number of images must be a positive integer, got ${n}`);
  return imageSubset(images, labels, n);
}
