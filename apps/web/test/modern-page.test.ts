import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor, DIST, HANG_MS, launchChromium } from './browser.js';
import { expectGalleryAsNode, expectInputAsNode, type NodeLatents, nodeLatents } from './page-checks.js';
import { type Served, serve } from './server.js';

// A committed modern run: `saekit train --dataset synthetic --arch topk --k 4 --hidden 16
// --epochs 2 --limit 2000 --seed 4 --no-report` (cfg.json, run.json, sae_weights.safetensors).
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const RUN = `${FIXTURES}/tiny-modern-run`;
const exe = chromiumFor(['the page shows a modern (topk) run: gallery and an input against Node']);

describe.skipIf(!exe)('the page on a committed modern (topk) run', () => {
  let browser: Browser;
  let served: Served;
  let page: Page;
  let node: NodeLatents;

  beforeAll(async () => {
    [browser, served, node] = await Promise.all([
      launchChromium(exe!),
      serve({ roots: [DIST, FIXTURES] }),
      nodeLatents(RUN, 4, 2000),
    ]);
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(HANG_MS);
    await page.goto(`${served.url}index.html?run=tiny-modern-run/`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('says what it opened: the architecture, k, and the inputs', async () => {
    const status = (await page.textContent('#status')) ?? '';
    expect(status).toContain('64 → 16 topk k=4');
    expect(status).toContain('2000 inputs from synthetic test split, seed 4');
  });

  it('draws the gallery as Node computes it, and no input has more than k latents', async () => {
    await expectGalleryAsNode(page, node);
    for (let i = 0; i < node.n; i++) {
      const row = node.latents.subarray(i * node.hidden, (i + 1) * node.hidden);
      expect(row.filter((v) => v !== 0).length).toBeLessThanOrEqual(4);
    }
  });

  it("shows an input's active latents as Node computes them (k of them)", async () => {
    await expectInputAsNode(page, node, 5);
    const active = JSON.parse((await page.getAttribute('#inspect', 'data-active')) ?? '[]') as unknown[];
    expect(active.length).toBe(4);
  });

  // The core's modern inference is one graph: every backend the page trains on runs it.
  for (const backend of ['cpu', 'tfjs-wasm', 'tfjs-webgl', 'onnx-web']) {
    it(`computes the run's latents on ${backend} as Node does`, async () => {
      const p = await browser.newPage();
      p.setDefaultTimeout(HANG_MS);
      await p.goto(`${served.url}harness.html`);
      await p.waitForFunction(() => 'saekitHarness' in globalThis);
      const r = await p.evaluate(
        ([b, u]) =>
          (
            globalThis as unknown as {
              saekitHarness: {
                latents(b: string, u: string): Promise<{ hidden?: number[]; error?: { message: string } }>;
              };
            }
          ).saekitHarness.latents(b, u),
        [backend, 'tiny-modern-run/'] as const,
      );
      await p.close();
      expect(r.error).toBeUndefined();
      const got = r.hidden!;
      expect(got.length).toBe(node.latents.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - node.latents[i]));
      expect(worst).toBeLessThan(1e-4);
    });
  }
});
