import { type Analysis, activeLatents, type Inputs } from './analysis.js';
import { drawValues, el } from './draw.js';

/** Latents listed per input at most. */
const MAX_LISTED = 32;

/**
 * One input: the input and its reconstruction as pictures, and its active latents, largest first
 * (in data-active as [latent, value] pairs for the page test).
 */
export function renderInput(root: HTMLElement, a: Analysis, inputs: Inputs, i: number): void {
  const d = a.dim;
  const active = activeLatents(a, i);
  root.dataset.input = String(i);
  root.dataset.active = JSON.stringify(active.map((r) => [r.index, r.value]));
  const pics = el('div', '', 'pics');
  const fig = (label: string, v: Float32Array) => {
    const f = el('figure');
    f.append(drawValues(v, 10), el('figcaption', label));
    return f;
  };
  pics.append(
    fig(`input #${i}`, inputs.x.subarray(i * d, (i + 1) * d)),
    fig('reconstruction', a.recon.subarray(i * d, (i + 1) * d)),
  );
  const list = el('ol', '', 'active');
  for (const r of active.slice(0, MAX_LISTED))
    list.append(el('li', `latent ${r.index}: ${r.value.toFixed(4)}`));
  const more = active.length > MAX_LISTED ? ` (first ${MAX_LISTED} shown)` : '';
  root.replaceChildren(pics, el('p', `${active.length} active latents${more}`), list);
}
