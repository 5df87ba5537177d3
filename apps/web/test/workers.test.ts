import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumFor, DIST, launchChromium } from './browser.js';
import { runInPage } from './harness-page.js';
import { serve } from './server.js';

// Workers that do not start: each error must say why and what to do (not hang, not "undefined").
const exe = chromiumFor([
  "cpu backend: the thread pool's worker not served",
  "cpu backend: the page's CSP refuses the pool's workers",
  "the page's CSP refuses the training worker",
  'the training worker not served',
]);
const TRAINING_WORKER = readdirSync(join(DIST, 'assets')).find((f) => /^worker-.*\.js$/.test(f));
const EVAL = "script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'";

describe.skipIf(!exe)('workers that cannot start, in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium(exe!);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function trainCpu(o: Parameters<typeof serve>[0]) {
    const s = await serve(o);
    try {
      return await runInPage(browser, s.url, 'cpu', 'worker', 3);
    } finally {
      await s.close();
    }
  }

  it("cpu: the pool's worker script not served is an error naming the fix, not a hang", async () => {
    const r = await trainCpu({ roots: [DIST], isolated: true, missing: /\/web-worker-[^/]*\.js$/ });
    expect(r.isolated).toBe(true); // else there would be no pool to fail
    expect(r.error?.name).toBe('CpuPoolStartError');
    expect(r.error?.message).toMatch(/a thread-pool Web Worker could not start \(its script did not load/);
    expect(r.error?.message).toMatch(/createCpuBackend\(\{ threads: 1 \}\)/);
  });

  it("cpu: a CSP that allows the training worker but not the pool's is the same error", async () => {
    expect(TRAINING_WORKER).toBeDefined();
    const only = `http://127.0.0.1:*/assets/${TRAINING_WORKER}`;
    const r = await trainCpu({ roots: [DIST], isolated: true, csp: `${EVAL}; worker-src ${only}` });
    expect(r.error?.name).toBe('CpuPoolStartError');
    expect(r.error?.message).toMatch(/allow it in the page's Content-Security-Policy \(worker-src 'self'\)/);
  });

  it("the training worker refused by the page's CSP: the directive and what to allow", async () => {
    const r = await trainCpu({ roots: [DIST], isolated: true, csp: `${EVAL}; worker-src 'none'` });
    expect(r.error?.name).toBe('WorkerStartError');
    expect(r.error?.message).toMatch(/the page's Content-Security-Policy refused it \(worker-src: /);
    expect(r.error?.message).toMatch(/Allow it with worker-src 'self'/);
  });

  it('the training worker not served: its HTTP status and what to serve', async () => {
    const r = await trainCpu({ roots: [DIST], missing: /\/assets\/worker-[^/]*\.js$/ });
    expect(r.error?.name).toBe('WorkerStartError');
    expect(r.error?.message).toMatch(
      /could not start: its script did not load \(HTTP 404\)\. Serve the whole built folder/,
    );
  });
});
