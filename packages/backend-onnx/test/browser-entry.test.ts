import { describe, expect, it } from 'vitest';
import { readFile } from '../src/browser/no-fs.js';
import { sessionOptions as webOptions } from '../src/browser/ort.js';
import { availableProviders, resolveProviders } from '../src/browser/providers.js';
import { PACKAGE_VERSION as webVersion } from '../src/browser/version.js';
import { sessionOptions } from '../src/ort.js';
import { PACKAGE_VERSION } from '../src/version.js';

// The files package.json "browser" swaps in (apps/web trains with them in Chromium).
describe('browser files of the onnx backend', () => {
  it('says the same version as package.json', () => {
    expect(webVersion).toBe(PACKAGE_VERSION);
  });

  it('checks session options as the Node file does, on the wasm provider', () => {
    expect(() => webOptions({ threads: 0 })).toThrow(/threads must be a positive integer/);
    expect(() => sessionOptions({ threads: 0 })).toThrow(/threads must be a positive integer/);
    expect(webOptions({ graphOptimization: 'basic' })).toMatchObject({
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'basic',
    });
  });

  it('offers the wasm provider and names it when another is asked for', () => {
    expect(availableProviders()).toEqual(['wasm']);
    expect(resolveProviders()).toEqual(['wasm']);
    expect(() => resolveProviders(['cuda'])).toThrow(/"cuda" is not available .*available: wasm/);
  });

  it('is a package.json "browser" swap for every Node-only file the entry reaches', async () => {
    const pkg = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8'));
    for (const f of ['./dist/ort.js', './dist/providers.js']) expect(pkg.browser[f]).toMatch(/browser/);
  });

  it('refuses a file path, saying what to pass instead', async () => {
    await expect(readFile('model.onnx')).rejects.toThrow(/reading model\.onnx .*arrayBuffer/);
  });
});
