import type { Browser } from 'playwright-core';
import type { HarnessResult } from '../src/harness.js';
import { HANG_MS } from './browser.js';

/** The built files a run fetched (its page, worker and backend: what a user downloads), by path. */
export const fetched = new Map<string, Set<string>>();

/** Trains in the harness page at `url` and hands back what it reports (losses or the error). */
export async function runInPage(
  browser: Browser,
  url: string,
  backend: string,
  where: string,
  steps: number,
): Promise<HarnessResult> {
  const page = await browser.newPage();
  page.setDefaultTimeout(HANG_MS);
  const files = new Set<string>();
  fetched.set(backend, files);
  page.on('requestfinished', (r) => {
    if (r.url().startsWith(url)) files.add(new URL(r.url()).pathname.slice(1));
  });
  try {
    await page.goto(`${url}harness.html`);
    await page.waitForFunction(() => 'saekitHarness' in globalThis);
    return await page.evaluate(
      ([b, s, w]) =>
        (
          globalThis as unknown as {
            saekitHarness: { run: (b: string, s: number, w: string) => Promise<HarnessResult> };
          }
        ).saekitHarness.run(b, s, w),
      [backend, steps, where] as const,
    );
  } finally {
    await page.close();
  }
}
