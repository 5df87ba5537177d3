import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBackend } from '../src/backends.js';

const fixture = (name: string): string => resolve(import.meta.dirname, 'fixtures', name);

describe('loadBackend', () => {
  it('loads the CPU backend by name', async () => {
    expect((await loadBackend('cpu')).name).toBe('cpu');
  });

  it('refuses a module that exports no backend, naming it and what it needs', async () => {
    await expect(loadBackend(fixture('no-backend.mjs'))).rejects.toThrow(
      /backend module .*no-backend\.mjs: not a saekit Backend \(needs a string "name" and a "compile" method\)/,
    );
  });

  it('refuses a backend built against another spec version', async () => {
    await expect(loadBackend(fixture('old-spec.mjs'))).rejects.toThrow(
      /old-spec\.mjs: implements backend spec 0, this saekit needs 1/,
    );
  });

  it('says when a module cannot be loaded', async () => {
    await expect(loadBackend(fixture('missing.mjs'))).rejects.toThrow(
      /backend module .*missing\.mjs could not be loaded/,
    );
  });

  it('lists the built-ins for an unknown name', async () => {
    await expect(loadBackend('gpu')).rejects.toThrow(
      /unknown backend "gpu" \(choose cpu, tfjs-cpu, tfjs-wasm, onnx/,
    );
  });

  it('takes default, backend and createBackend() exports', async () => {
    expect((await loadBackend(fixture('broken-transb.mjs'))).name).toBe('broken-transb');
    expect((await loadBackend(fixture('broken-sigmoid.mjs'))).name).toBe('broken-sigmoid');
    expect((await loadBackend(fixture('lacks-kth-largest.mjs'))).name).toBe('lacks-kth-largest');
  });
});
