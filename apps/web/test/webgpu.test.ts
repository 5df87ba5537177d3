import { createCpuBackend } from '@saekit/backend-cpu';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUN, trainSynthetic } from '../src/train/recipe.js';
import type { WebGpuSupport } from '../src/train/webgpu.js';
import { chromiumFor, DIST, HANG_MS, launchChromium } from './browser.js';
import { runInPage } from './harness-page.js';
import { type Served, serve } from './server.js';

// WebGPU where present: headless Chromium here has navigator.gpu but may give no adapter. The test
// asserts whichever is true (asking the browser directly), and logs the reason.
const exe = chromiumFor(['tfjs-webgpu: detected, offered or refused with the reason']);

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
    [browser, served] = await Promise.all([launchChromium(exe!), serve({ roots: [DIST], isolated: true })]);
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

  it('the page offers tfjs-webgpu only where it is available, and says which', async () => {
    const p = await browser.newPage();
    p.setDefaultTimeout(HANG_MS);
    await p.goto(`${served.url}index.html`);
    await p.waitForSelector('#train .webgpu[data-available]');
    expect(await p.getAttribute('#train .webgpu', 'data-available')).toBe(String(support.available));
    expect(await p.textContent('#train .webgpu')).toContain(support.reason);
    const disabled = await p.$eval(
      '#train option[value="tfjs-webgpu"]',
      (o) => (o as HTMLOptionElement).disabled,
    );
    expect(disabled).toBe(!support.available);
    await p.close();
  });
});
