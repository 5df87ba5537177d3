import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TRACE_IMPORTS } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { BUILTIN_BACKENDS, isBuiltinBackend, isModuleSpec, loadBackend } from '../src/index.js';

const fixture = (name: string): string => resolve(import.meta.dirname, 'fixtures', name);

describe('loadBackend by name', () => {
  it('loads the CPU backend', async () => {
    expect((await loadBackend('cpu')).name).toBe('cpu');
  });

  it('lists the built-ins for an unknown name', async () => {
    await expect(loadBackend('gpu')).rejects.toThrow(
      'unknown backend "gpu" (choose cpu, tfjs-cpu, tfjs-wasm, onnx, or give a path to a module exporting a Backend)',
    );
  });

  it('tells names from module paths', () => {
    expect(BUILTIN_BACKENDS.every(isBuiltinBackend)).toBe(true);
    expect(isBuiltinBackend('gpu')).toBe(false);
    expect(['./b.mjs', 'b.mjs', '/x/b', 'dir\\b'].every(isModuleSpec)).toBe(true);
    expect(['cpu', 'gpu', 'tfjs-wasm'].some(isModuleSpec)).toBe(false);
  });
});

describe('loadBackend from a module', () => {
  it('takes a default export, a `backend` export, or a createBackend() factory', async () => {
    expect((await loadBackend(fixture('default.mjs'))).name).toBe('default-export');
    expect((await loadBackend(fixture('named.mjs'))).name).toBe('named');
    expect((await loadBackend(fixture('factory.mjs'))).name).toBe('from-factory');
  });

  it('resolves a relative path from the working directory', async () => {
    const rel = join('test', 'fixtures', 'named.mjs');
    expect(resolve(rel)).toBe(fixture('named.mjs'));
    expect((await loadBackend(rel)).name).toBe('named');
  });

  it('a missing module names the file', async () => {
    await expect(loadBackend(fixture('missing.mjs'))).rejects.toThrow(
      /^backend module .*missing\.mjs could not be loaded: /,
    );
  });

  it('a module that throws on import names the file and the error', async () => {
    await expect(loadBackend(fixture('throws.mjs'))).rejects.toThrow(
      /^backend module .*throws\.mjs could not be loaded: no GPU found$/,
    );
  });

  it('a factory that throws names the module and the error', async () => {
    await expect(loadBackend(fixture('factory-fails.mjs'))).rejects.toThrow(
      /^backend module .*factory-fails\.mjs: createBackend\(\) failed: device busy$/,
    );
  });

  it('a module without a Backend says what a Backend needs', async () => {
    await expect(loadBackend(fixture('no-backend.mjs'))).rejects.toThrow(
      /^backend module .*no-backend\.mjs: not a saekit Backend \(needs a string "name" and a "compile" method\)$/,
    );
  });

  it('a backend of another spec version names both versions', async () => {
    await expect(loadBackend(fixture('old-spec.mjs'))).rejects.toThrow(
      /old-spec\.mjs: implements backend spec 0, this saekit needs 1$/,
    );
  });
});

describe('lazy loading', () => {
  /** The backend packages a fresh process resolves while it loads `spec`. */
  async function packagesLoadedFor(spec: string): Promise<string[]> {
    const trace = join(await mkdtemp(join(tmpdir(), 'saekit-backends-')), 'trace.txt');
    const entry = resolve(import.meta.dirname, '../dist/index.js');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        TRACE_IMPORTS,
        '--input-type=module',
        '-e',
        `const { loadBackend } = await import(${JSON.stringify(entry)}); await loadBackend(${JSON.stringify(spec)});`,
      ],
      { encoding: 'utf8', env: { ...process.env, TRACE_FILE: trace } },
    );
    expect(r.status, r.stderr).toBe(0);
    const urls = (await readFile(trace, 'utf8')).split('\n');
    return ['backend-cpu', 'backend-tfjs', 'backend-onnx', 'onnxruntime-node', '@tensorflow'].filter((p) =>
      urls.some((u) => u.includes(p)),
    );
  }

  it('the CPU backend loads neither tfjs nor ONNX Runtime', async () => {
    expect(await packagesLoadedFor('cpu')).toEqual(['backend-cpu']);
  });

  it('the ONNX backend loads ONNX Runtime and not tfjs', async () => {
    expect(await packagesLoadedFor('onnx')).toEqual(['backend-onnx', 'onnxruntime-node']);
  });
});

describe('loadBackend options: onnx execution providers', () => {
  it('passes the providers to the onnx backend, which runs with them', async () => {
    const { availableProviders } = await import('@saekit/backend-onnx');
    expect(availableProviders()).toContain('cpu');
    const b = await loadBackend('onnx', { providers: ['cpu'] });
    expect(b.name).toBe('onnx');
    const { Graph, input, add } = await import('@saekit/core');
    const x = input('x', [2]);
    const exe = await b.compile(Graph.from({ outputs: { y: add(x, 1) } }));
    expect(Array.from((await exe.run({ x: Float32Array.of(1, 2) })).y)).toEqual([2, 3]);
    exe.dispose();
  });

  it('a provider this onnxruntime-node lacks is an error naming the ones it has', async () => {
    const { availableProviders } = await import('@saekit/backend-onnx');
    await expect(loadBackend('onnx', { providers: ['no-such-ep', 'cpu'] })).rejects.toThrow(
      `onnx: execution provider "no-such-ep" is not available in this onnxruntime-node (available: ${availableProviders().join(', ')})`,
    );
  });

  it('providers for a backend that takes none is an error, not ignored', async () => {
    await expect(loadBackend('cpu', { providers: ['cuda'] })).rejects.toThrow(
      'backend cpu: execution providers apply only to the onnx backend, not cpu',
    );
    await expect(loadBackend(fixture('named.mjs'), { providers: ['cpu'] })).rejects.toThrow(
      /^backend module .*named\.mjs: execution providers apply only to the onnx backend$/,
    );
  });
});
