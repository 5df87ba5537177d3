import { createCpuBackend } from '@saekit/backend-cpu';
import { forwardDataset } from '@saekit/core';
import { loadCheckpoint } from '@saekit/core/node';
import { syntheticSparse } from '@saekit/datasets';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/** What Node computes for a run on the synthetic test split of its seed: every input's latents. */
export interface NodeLatents {
  readonly latents: Float32Array;
  readonly hidden: number;
  readonly n: number;
}

export async function nodeLatents(run: string, seed: number, n: number): Promise<NodeLatents> {
  const { config, params } = await loadCheckpoint(run);
  const { test } = syntheticSparse({ seed, nTrain: 0, nTest: n });
  const { hidden } = await forwardDataset(createCpuBackend(), config, params, test.x, n, ['hidden']);
  return { latents: hidden, hidden: config.hiddenDim, n };
}

/** The gallery's cards: each latent's density and top inputs (data attributes), and its pictures. */
export async function expectGalleryAsNode(page: Page, node: NodeLatents): Promise<void> {
  const cards = await page.$$eval('figure.latent', (fs) =>
    fs.map((f) => ({
      latent: Number((f as HTMLElement).dataset.latent),
      density: Number((f as HTMLElement).dataset.density),
      top: JSON.parse((f as HTMLElement).dataset.top ?? '[]') as number[],
      pictures: f.querySelectorAll('canvas').length,
    })),
  );
  const { hidden: h, n } = node;
  expect(cards.map((c) => c.latent)).toEqual([...Array(h).keys()]);
  for (const c of cards) {
    const col = Array.from({ length: n }, (_, i) => node.latents[i * h + c.latent]);
    const active = col.filter((v) => v > 0).length;
    expect(Math.abs(c.density - active / n), `latent ${c.latent} density`).toBeLessThanOrEqual(1 / n);
    const want = col
      .map((v, i) => [v, i] as const)
      .filter(([v]) => v > 0)
      .sort((p, q) => q[0] - p[0] || p[1] - q[1])
      .slice(0, 5)
      .map(([, i]) => i);
    expect(c.top, `latent ${c.latent} top inputs`).toEqual(want);
    expect(c.pictures).toBe(1); // the decoder row, as an 8×8 image
  }
  // Not a degenerate run: some latents fire on some inputs and not others.
  expect(cards.some((c) => c.density > 0 && c.density < 1)).toBe(true);
}

/** Picks input `i` on the page and compares its active latents, largest first, with Node's. */
export async function expectInputAsNode(page: Page, node: NodeLatents, i: number): Promise<void> {
  await page.fill('#input-index', String(i));
  await page.dispatchEvent('#input-index', 'change');
  await page.waitForSelector(`#inspect[data-input="${i}"]`);
  const got = JSON.parse((await page.getAttribute('#inspect', 'data-active')) ?? '[]') as [number, number][];
  const h = node.hidden;
  const want = Array.from({ length: h }, (_, j) => [j, node.latents[i * h + j]] as [number, number])
    .filter(([, v]) => v > 0)
    .sort((p, q) => q[1] - p[1] || p[0] - q[0]);
  expect(got.map(([j]) => j)).toEqual(want.map(([j]) => j));
  for (let r = 0; r < want.length; r++) expect(got[r][1]).toBeCloseTo(want[r][1], 5);
  expect(want.length).toBeGreaterThan(0);
  expect(await page.locator('#inspect canvas').count()).toBe(2); // input and reconstruction
}
