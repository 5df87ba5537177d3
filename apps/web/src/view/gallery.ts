import { type Analysis, decoderRow, topInputs } from './analysis.js';
import { drawValues, el } from './draw.js';
import type { LoadedRun } from './run-files.js';

/** Top inputs shown per latent. */
export const TOP_K = 5;
/** Latents drawn at most (the first ones; the rest are summarised). */
const MAX_CARDS = 512;

/**
 * One card per latent: its decoder row as an image, its density, and the inputs it fires on most.
 * Each card carries its numbers in data attributes (data-density, data-top), which the page test
 * reads and compares with Node's.
 */
export function renderGallery(
  root: HTMLElement,
  run: LoadedRun,
  a: Analysis | undefined,
  pick: (input: number) => void,
): void {
  const h = run.config.hiddenDim;
  const cards = [];
  for (let j = 0; j < Math.min(h, MAX_CARDS); j++) {
    const card = el('figure', '', 'latent');
    card.dataset.latent = String(j);
    card.append(drawValues(decoderRow(run.config, run.params, j)));
    const cap = el('figcaption', `latent ${j}`);
    if (a) {
      const top = topInputs(a, j, TOP_K);
      card.dataset.density = String(a.density[j]);
      card.dataset.top = JSON.stringify(top.map((t) => t.index));
      cap.append(
        el('span', ` density ${(100 * a.density[j]).toFixed(1)}%`, a.density[j] === 0 ? 'dead' : ''),
      );
      const list = el('div', '', 'top');
      for (const t of top) {
        const b = el('button', `#${t.index} (${t.value.toFixed(3)})`);
        b.onclick = () => pick(t.index);
        list.append(b);
      }
      card.append(cap, list);
    } else card.append(cap);
    cards.push(card);
  }
  root.replaceChildren(...cards);
  if (h > MAX_CARDS) root.append(el('p', `… and ${h - MAX_CARDS} more latents`));
}
