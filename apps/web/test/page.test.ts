import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createCpuBackend } from '@saekit/backend-cpu';
import { Rng } from '@saekit/core';
import { idxToDataset, parseIdx } from '@saekit/datasets';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainSynthetic } from '../src/train/recipe.js';
import { chromiumFor, DIST, HANG_MS, launchChromium } from './browser.js';
import { expectGalleryAsNode, expectInputAsNode, type NodeLatents, nodeLatents } from './page-checks.js';
import { type Served, serve } from './server.js';

// A committed run: `saekit train --dataset synthetic --hidden 32 --epochs 2 --limit 4000 --seed 3`.
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const RUN = `${FIXTURES}/tiny-run`;
const SEED = 3;
const N = 2000; // the page's MAX_INPUTS
const exe = chromiumFor(['the page shows a run: gallery and an input against Node']);

/** Gzipped IDX files of `n` 28×28 images (a bright bar at a random place each) and labels. */
function writeImageIdx(dir: string, n: number): { images: string; labels: string } {
  const rng = new Rng(5);
  const px = new Uint8Array(16 + n * 784);
  new DataView(px.buffer).setUint32(0, 0x00000803);
  for (const [i, v] of [n, 28, 28].entries()) new DataView(px.buffer).setUint32(4 + 4 * i, v);
  const lb = new Uint8Array(8 + n);
  new DataView(lb.buffer).setUint32(0, 0x00000801);
  new DataView(lb.buffer).setUint32(4, n);
  for (let i = 0; i < n; i++) {
    const row = rng.int(24);
    lb[8 + i] = row % 10;
    for (let r = row; r < row + 4; r++)
      for (let c = 4; c < 24; c++) px[16 + i * 784 + r * 28 + c] = 128 + rng.int(128);
  }
  const images = join(dir, 'train-images-idx3-ubyte.gz');
  const labels = join(dir, 'train-labels-idx1-ubyte.gz');
  writeFileSync(images, gzipSync(px));
  writeFileSync(labels, gzipSync(lb));
  return { images, labels };
}

describe.skipIf(!exe)('the page on a committed run directory', () => {
  let browser: Browser;
  let served: Served;
  let page: Page;
  let node: NodeLatents;
  /** The built files the page fetched to show the run (before any training). */
  const pageFiles = new Set<string>();

  beforeAll(async () => {
    [browser, served, node] = await Promise.all([
      launchChromium(exe!),
      serve({ roots: [DIST, FIXTURES] }),
      nodeLatents(RUN, SEED, N),
    ]);
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(HANG_MS);
    page.on('requestfinished', (r) => {
      const path = new URL(r.url()).pathname.slice(1);
      if (existsSync(join(DIST, path))) pageFiles.add(path);
    });
    await page.goto(`${served.url}index.html?run=tiny-run/`);
    await page.waitForSelector('body[data-state="ready"], body[data-state="error"]');
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('draws one card per latent with the density and top inputs Node computes', async () => {
    expect(await page.textContent('#status')).toContain('2000 inputs from synthetic test split, seed 3');
    await expectGalleryAsNode(page, node);
  });

  it('loads no backend but cpu to show a run (gzip size on stdout)', () => {
    const files = [...pageFiles];
    expect(files.filter((f) => f.endsWith('.wasm'))).toEqual([]);
    expect(files).toContain('index.html');
    const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(DIST, f))).length, 0);
    console.log(`the page, showing a run: ${files.length} files, ${(gz / 1024).toFixed(0)} kB gzip`);
  });

  it("shows an input's active latents as Node computes them", async () => {
    await expectInputAsNode(page, node, 17);
    // For a look at what the test saw: SAEKIT_WEB_SCREENSHOT=/tmp/page.png
    const shot = process.env.SAEKIT_WEB_SCREENSHOT;
    if (shot) await page.screenshot({ path: shot, fullPage: true });
  });

  it('trains in the page with progress and a loss chart, and stops when asked', async () => {
    await page.selectOption('#train select >> nth=1', 'cpu');
    await page.fill('#train input[type="number"]', '5000');
    await page.click('#train button:text("train")');
    await page.waitForFunction(
      () =>
        Number(/^step (\d+)\//.exec(document.querySelector('#train .status')?.textContent ?? '')?.[1]) >= 20,
    );
    await page.click('#train button:text("stop")');
    await page.waitForSelector('#train .status:text-matches("^stopped after")');
    const status = (await page.textContent('#train .status')) ?? '';
    const steps = Number(/stopped after (\d+) steps on cpu/.exec(status)?.[1]);
    expect(steps).toBeGreaterThanOrEqual(20);
    expect(steps).toBeLessThan(5000);
    expect(await page.$eval('#train progress', (p) => (p as HTMLProgressElement).value)).toBe(steps);
    expect(await page.locator('#train svg polyline').count()).toBe(1);
  });

  it('trains the seed recipe on a subset of MNIST-style IDX files, as Node does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saekit-web-'));
    const { images, labels } = writeImageIdx(dir, 600);
    await page.selectOption('#train select >> nth=0', 'images');
    await page.selectOption('#train select >> nth=1', 'tfjs-wasm');
    await page.setInputFiles('#train input[type="file"]', [images, labels]);
    await page.fill('#train .images input[type="number"]', '500');
    await page.fill('#train .controls input[type="number"] >> nth=0', '30');
    await page.click('#train button:text("train")');
    await page.waitForSelector('#train .status:text-matches("^done after 30 steps")');
    const got = JSON.parse((await page.getAttribute('#train', 'data-losses')) ?? '[]') as number[];
    const im = parseIdx(readFileSync(images), images);
    const lb = parseIdx(readFileSync(labels), labels);
    const d = idxToDataset('t', { source: images, array: im }, { source: labels, array: lb });
    const subset = { x: d.x.slice(0, 500 * 784), n: 500, dim: 784, source: 'node' };
    const want = await trainSynthetic(
      createCpuBackend(),
      { steps: 30, batchSize: 256, seed: 0 },
      () => {},
      undefined,
      subset,
    );
    expect(got.length).toBe(30);
    for (let s = 0; s < 30; s += 5)
      expect(Math.abs(got[s] - want[s]) / want[s], `step ${s}`).toBeLessThan(1e-3);
    expect(got[29]).toBeLessThan(got[0]);
  });

  it('says what is missing when a run directory has no weights', async () => {
    const p = await browser.newPage();
    p.setDefaultTimeout(HANG_MS);
    await p.goto(`${served.url}index.html?run=no-such-run/`);
    await p.waitForSelector('body[data-state="error"]');
    expect(await p.textContent('#status')).toMatch(/no-such-run\/: no cfg\.json/);
    await p.close();
  });
});
