import { fileURLToPath } from 'node:url';
import { chromiumForTests } from '@saekit/test-data';
import { type Browser, chromium } from 'playwright-core';

/** Playwright's waits only catch a hang (as vitest.shared.ts's timeouts do), never a slow machine. */
export const HANG_MS = 240_000;

/** The built page (vite build; turbo builds before it tests). */
export const DIST = fileURLToPath(new URL('../dist', import.meta.url));

/**
 * Debian's Chromium, headless; WebGL 2 in software through SwiftShader (no GPU on CI), so the
 * tfjs-webgl test runs the same shaders a GPU would.
 */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--enable-unsafe-swiftshader',
      '--use-angle=swiftshader',
      '--ignore-gpu-blocklist',
    ],
  });
}

/** The executable, or undefined when the tests skip (noted; an error on CI). */
export function chromiumFor(tests: readonly string[]): string | undefined {
  return chromiumForTests(tests.map((t) => `web: ${t}`));
}
