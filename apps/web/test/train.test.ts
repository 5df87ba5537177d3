import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createCpuBackend } from '@saekit/backend-cpu';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RUN, trainSynthetic } from '../src/train/recipe.js';
import { chromiumFor, DIST, launchChromium } from './browser.js';
import { fetched, runInPage } from './harness-page.js';
import { type Served, serve } from './server.js';

const STEPS = DEFAULT_RUN.steps;
const CASES = [
  { backend: 'cpu', where: 'worker' },
  { backend: 'tfjs-wasm', where: 'worker' },
  { backend: 'tfjs-webgl', where: 'page' },
  { backend: 'onnx-web', where: 'worker' },
] as const;
const exe = chromiumFor([
  ...CASES.map((c) => `trains the synthetic SAE on ${c.backend} in Chromium`),
  'cpu backend under a CSP without unsafe-eval',
]);

function gzipSizes(files: readonly string[]): { js: number; wasm: number } {
  const out = { js: 0, wasm: 0 };
  for (const f of files)
    out[f.endsWith('.wasm') ? 'wasm' : 'js'] += gzipSync(readFileSync(join(DIST, f))).length;
  return out;
}
const kb = (b: number): string => (b / 1024).toFixed(0).padStart(5);

/** Every 20th step's loss (and the last) within `rel` of Node's, with the step named on failure. */
function expectSameCurve(got: readonly number[], want: readonly number[], rel: number): void {
  expect(got.length).toBe(want.length);
  for (let s = 0; s < want.length; s += 20) {
    const err = Math.abs(got[s] - want[s]) / Math.abs(want[s]);
    expect(err, `step ${s}: ${got[s]} vs Node's ${want[s]}`).toBeLessThanOrEqual(rel);
  }
}

describe.skipIf(!exe)('the synthetic SAE in headless Chromium', () => {
  let browser: Browser;
  let isolated: Served;
  let reference: number[];

  beforeAll(async () => {
    [browser, isolated, reference] = await Promise.all([
      launchChromium(exe!),
      serve({ roots: [DIST], isolated: true }),
      trainSynthetic(createCpuBackend(), DEFAULT_RUN),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await isolated?.close();
  });

  for (const { backend, where } of CASES) {
    it(`trains on ${backend} (${where}) with Node's cpu loss curve`, async () => {
      const r = await runInPage(browser, isolated.url, backend, where, STEPS);
      expect(r.error).toBeUndefined();
      expect(r.isolated).toBe(true);
      // The cpu backend splits its large nodes over a pool of Web Workers on SharedArrayBuffer.
      // (One thread per core: this checks the pool wherever Chromium sees more than one core.)
      if (backend === 'cpu') expect(r.threads).toBe(r.cores);
      expectSameCurve(r.losses!, reference, 1e-3);
      // Training did something: the loss fell (a constant curve would match a constant reference too).
      expect(r.losses![STEPS - 1]).toBeLessThan(0.5 * r.losses![0]);
    });
  }

  it('downloads only the backend it trains on (gzip sizes on stdout)', () => {
    const size = (b: string) => gzipSizes([...fetched.get(b)!].filter((f) => f !== 'harness.html'));
    const wasm = (b: string) => [...fetched.get(b)!].filter((f) => f.endsWith('.wasm'));
    expect(wasm('cpu')).toEqual([]);
    expect(wasm('tfjs-webgl')).toEqual([]);
    expect(wasm('tfjs-wasm')).toEqual([expect.stringMatching(/^assets\/tfjs-backend-wasm-simd-.*\.wasm$/)]);
    expect(wasm('onnx-web')).toEqual([expect.stringMatching(/^assets\/ort-wasm-simd-threaded-.*\.wasm$/)]);
    // onnxruntime-web's WebGPU build is imported only for a webgpu session (see onnx-webgpu).
    expect([...fetched.get('onnx-web')!].filter((f) => f.includes('ort.webgpu'))).toEqual([]);
    const lines = CASES.map(({ backend }) => {
      const s = size(backend);
      return `${backend.padEnd(11)} ${kb(s.js)} kB js + ${kb(s.wasm)} kB wasm (gzip)`;
    });
    console.log(`what a page downloads to train on each backend:\n${lines.join('\n')}`);
  });

  it('trains on cpu on one thread where the page is not cross-origin isolated', async () => {
    const plain = await serve({ roots: [DIST] });
    try {
      const r = await runInPage(browser, plain.url, 'cpu', 'worker', STEPS);
      expect(r.error).toBeUndefined();
      expect(r.isolated).toBe(false);
      expect(r.threads).toBe(1);
      expectSameCurve(r.losses!, reference, 1e-3);
    } finally {
      await plain.close();
    }
  });

  it("refuses to train the cpu backend under a CSP without 'unsafe-eval', saying why", async () => {
    const strict = await serve({
      roots: [DIST],
      csp: "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'",
    });
    try {
      const r = await runInPage(browser, strict.url, 'cpu', 'worker', STEPS);
      expect(r.losses).toBeUndefined();
      expect(r.error?.name).toBe('CpuEvalBlockedError');
      expect(r.error?.message).toMatch(/Content-Security-Policy without 'unsafe-eval'/);
    } finally {
      await strict.close();
    }
  });
});
