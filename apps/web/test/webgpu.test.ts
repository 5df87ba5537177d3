import { fileURLToPath } from 'node:url';
import { createCpuBackend } from '@saekit/backend-cpu';
import { exportSae } from '@saekit/backend-onnx';
import { loadCheckpoint } from '@saekit/core/node';
import { syntheticSparse } from '@saekit/datasets';
import { noteSkip } from '@saekit/test-data';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildsResult } from '../src/onnx-builds.js';
import { DEFAULT_RUN, trainSynthetic } from '../src/train/recipe.js';
import type { WebGpuSupport } from '../src/train/webgpu.js';
import { MAX_INPUTS } from '../src/view/analysis.js';
import { chromiumFor, DIST, HANG_MS, launchChromium } from './browser.js';
import { fetched, runInPage } from './harness-page.js';
import { nodeLatents } from './page-checks.js';
import { type Served, serve } from './server.js';

// WebGPU where present: headless Chromium here has navigator.gpu but may give no adapter. The test
// asserts whichever is true (asking the browser directly), and logs the reason.
const exe = chromiumFor([
  'tfjs-webgpu: detected, offered or refused with the reason',
  'onnx-webgpu: trained where there is an adapter, refused with the reason otherwise',
  "onnxruntime-web's wasm and WebGPU builds in one page",
]);
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const ONNX_WASM_WORKS = "executionProviders: ['wasm'] works in this browser";

/** What the browser says, asked without the page's code. */
const browserSays = (page: Page) =>
  page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    return gpu ? (await gpu.requestAdapter().catch(() => null)) !== null : false;
  });

describe.skipIf(!exe)('WebGPU in Chromium', () => {
  let browser: Browser;
  let served: Served;
  let page: Page;
  let support: WebGpuSupport;

  beforeAll(async () => {
    [browser, served] = await Promise.all([
      launchChromium(exe!),
      serve({ roots: [DIST, FIXTURES], isolated: true }),
    ]);
    page = await browser.newPage();
    page.setDefaultTimeout(HANG_MS);
    await page.goto(`${served.url}harness.html`);
    await page.waitForFunction(() => 'saekitHarness' in globalThis);
    support = await page.evaluate(() =>
      (
        globalThis as unknown as { saekitHarness: { webgpu(): Promise<WebGpuSupport> } }
      ).saekitHarness.webgpu(),
    );
    console.log(`WebGPU here: ${support.available ? 'available' : 'not available'} (${support.reason})`);
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
  });

  it('detects what the browser has', async () => {
    expect(support.available).toBe(await browserSays(page));
  });

  it('trains on tfjs-webgpu as Node does where there is an adapter, else refuses saying why', async () => {
    const r = await runInPage(browser, served.url, 'tfjs-webgpu', 'worker', DEFAULT_RUN.steps);
    if (!support.available) {
      expect(r.losses).toBeUndefined();
      expect(r.error?.name).toBe('WebGpuUnavailableError');
      expect(r.error?.message).toContain(support.reason);
      expect(r.error?.message).toContain('train on tfjs-webgl, tfjs-wasm, onnx-web or cpu instead');
      return;
    }
    expect(r.error).toBeUndefined();
    const want = await trainSynthetic(createCpuBackend(), DEFAULT_RUN);
    for (let s = 0; s < want.length; s += 20)
      expect(Math.abs(r.losses![s] - want[s]) / want[s], `step ${s}`).toBeLessThanOrEqual(1e-3);
  });

  it('trains on onnx-webgpu as Node does (run only where there is an adapter)', async (ctx) => {
    if (!support.available) {
      noteSkip(`no WebGPU adapter (${support.reason})`, ['apps/web: trains on onnx-webgpu as Node does']);
      ctx.skip(`no WebGPU adapter here: ${support.reason}`);
    }
    const r = await runInPage(browser, served.url, 'onnx-webgpu', 'worker', DEFAULT_RUN.steps);
    expect(r.error).toBeUndefined();
    const want = await trainSynthetic(createCpuBackend(), DEFAULT_RUN);
    for (let s = 0; s < want.length; s += 20)
      expect(Math.abs(r.losses![s] - want[s]) / want[s], `step ${s}`).toBeLessThanOrEqual(1e-3);
    // onnxruntime-web's WebGPU build was what ran: its own binary, not the wasm build's.
    const wasm = [...fetched.get('onnx-webgpu')!].filter((f) => f.endsWith('.wasm'));
    expect(wasm).toEqual([expect.stringMatching(/^assets\/ort-wasm-simd-threaded\.asyncify-.*\.wasm$/)]);
  });

  it('refuses onnx-webgpu without an adapter, saying why and that wasm works', async (ctx) => {
    if (support.available) ctx.skip('this browser gives a WebGPU adapter: the training test above runs');
    const r = await runInPage(browser, served.url, 'onnx-webgpu', 'worker', DEFAULT_RUN.steps);
    expect(r.losses).toBeUndefined();
    expect(r.error?.name).toBe('WebGpuUnavailableError');
    expect(r.error?.message).toContain('execution provider "webgpu" was asked');
    expect(r.error?.message).toContain(support.reason);
    expect(r.error?.message).toContain(ONNX_WASM_WORKS);
    // Refused before onnxruntime-web's WebGPU build (and its binary) was downloaded.
    const files = [...fetched.get('onnx-webgpu')!];
    expect(files.filter((f) => /ort\.webgpu|asyncify/.test(f))).toEqual([]);
  });

  it("loads onnxruntime-web's wasm and WebGPU builds side by side, apart, each computing as Node does", async () => {
    const { config, params } = await loadCheckpoint(`${FIXTURES}/tiny-run`);
    const node = await nodeLatents(`${FIXTURES}/tiny-run`, 3, MAX_INPUTS);
    const { test } = syntheticSparse({ seed: 3, nTrain: 0, nTest: MAX_INPUTS });
    const model = Array.from(exportSae(config, params, { part: 'encoder' }));
    const p = await browser.newPage();
    p.setDefaultTimeout(HANG_MS);
    await p.goto(`${served.url}ort-builds.html`);
    await p.waitForFunction(() => 'saekitOrtBuilds' in globalThis);
    const r = await p.evaluate(
      (a) =>
        (
          globalThis as unknown as {
            saekitOrtBuilds(...a: unknown[]): Promise<BuildsResult | { error: string }>;
          }
        ).saekitOrtBuilds(...a),
      [model, Array.from(test.x), [MAX_INPUTS, config.inputDim], 'latents'] as const,
    );
    await p.close();
    if ('error' in r) throw new Error(r.error);
    // Each bundle carries its own onnxruntime-common: two Tensor classes, two backend registries.
    expect(r.sharedTensor).toBe(false);
    for (const got of [r.wasm, r.webgpu]) {
      expect(got.length).toBe(node.latents.length);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - node.latents[i]));
      expect(worst).toBeLessThan(1e-4);
    }
  });

  it('the page offers tfjs-webgpu and onnx-webgpu only where WebGPU is available, and says which', async () => {
    const p = await browser.newPage();
    p.setDefaultTimeout(HANG_MS);
    await p.goto(`${served.url}index.html`);
    await p.waitForSelector('#train .webgpu[data-available]');
    expect(await p.getAttribute('#train .webgpu', 'data-available')).toBe(String(support.available));
    expect(await p.textContent('#train .webgpu')).toContain(support.reason);
    for (const name of ['tfjs-webgpu', 'onnx-webgpu']) {
      const disabled = await p.$eval(
        `#train option[value="${name}"]`,
        (o) => (o as HTMLOptionElement).disabled,
      );
      expect(disabled, name).toBe(!support.available);
    }
    await p.close();
  });
});
