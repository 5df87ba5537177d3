import { describe, expect, it } from 'vitest';
import { readFile } from '../src/browser/no-fs.js';
import { sessionOptions as webOptions, ort as webOrt } from '../src/browser/ort.js';
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

  it('offers webgpu and wasm (wasm by default) and names them when another is asked for', () => {
    expect(availableProviders()).toEqual(['webgpu', 'wasm']);
    expect(resolveProviders()).toEqual(['wasm']);
    expect(webOptions({ executionProviders: ['webgpu', 'wasm'] }).executionProviders).toEqual([
      'webgpu',
      'wasm',
    ]);
    expect(() => resolveProviders(['cuda'])).toThrow(/"cuda" is not available .*available: webgpu, wasm/);
  });

  it('refuses a webgpu session where there is no navigator.gpu, saying so and that wasm works', async () => {
    // Node 20 has no navigator; the Chromium tests of apps/web cover "no adapter".
    const gpu = (globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu;
    expect(gpu).toBeUndefined();
    const made = webOrt.InferenceSession.create(
      new Uint8Array(8),
      webOptions({ executionProviders: ['webgpu'] }),
    );
    await expect(made).rejects.toMatchObject({ name: 'WebGpuUnavailableError' });
    await expect(made).rejects.toThrow(
      /"webgpu" was asked, but this browser has no WebGPU \(navigator\.gpu is missing\); executionProviders: \['wasm'\] works/,
    );
  });

  it('is a package.json "browser" swap for every Node-only file the entry reaches', async () => {
    const pkg = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8'));
    for (const f of ['./dist/ort.js', './dist/providers.js']) expect(pkg.browser[f]).toMatch(/browser/);
  });

  it('asks navigator.gpu again after a refusal, and says when it gives no adapter or fails', async () => {
    const { loadWebGpuOrt } = await import('../src/browser/webgpu.js');
    await expect(loadWebGpuOrt()).rejects.toThrow(/navigator\.gpu is missing/);
    const g = globalThis as { navigator?: unknown };
    const had = Object.getOwnPropertyDescriptor(g, 'navigator');
    try {
      Object.defineProperty(g, 'navigator', {
        value: { gpu: { requestAdapter: async () => null } },
        configurable: true,
      });
      await expect(loadWebGpuOrt()).rejects.toThrow(/"webgpu" was asked, but navigator\.gpu gave no adapter/);
      const failing = { requestAdapter: async () => Promise.reject(new Error('blocked by policy')) };
      Object.defineProperty(g, 'navigator', { value: { gpu: failing }, configurable: true });
      await expect(loadWebGpuOrt()).rejects.toThrow(/requestAdapter\(\) failed: blocked by policy/);
    } finally {
      if (had) Object.defineProperty(g, 'navigator', had);
      else delete g.navigator;
    }
  });

  it('refuses a file path, saying what to pass instead', async () => {
    await expect(readFile('model.onnx')).rejects.toThrow(/reading model\.onnx .*arrayBuffer/);
  });
});
