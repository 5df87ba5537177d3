import { Graph, input, relu } from '@saekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTfjsBackend } from '../src/index.js';

// Its own file: vitest gives it a fresh tfjs, so these are really the first inits of the engines.
describe('initialising the engines in Node', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints nothing (no tfjs "running in Node.js" banner), leaves PROD and process handlers as they were', async () => {
    const said: string[] = [];
    for (const m of ['log', 'info', 'warn', 'error'] as const) {
      vi.spyOn(console, m).mockImplementation((...a: unknown[]) => {
        said.push(a.map(String).join(' '));
      });
    }
    const listeners = () => ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    const before = listeners();
    const prod = tf.env().getBool('PROD');
    for (const engine of ['cpu', 'wasm']) {
      const be = await createTfjsBackend({ engine });
      const exe = await be.compile(Graph.from({ outputs: { y: relu(input('x', [3])) } }));
      expect([...(await exe.run({ x: Float32Array.of(-1, 0, 2) })).y]).toEqual([0, 0, 2]);
      exe.dispose();
    }
    expect(said).toEqual([]);
    expect(tf.env().getBool('PROD')).toBe(prod);
    expect(listeners()).toEqual(before);
  });

  it('creating a backend twice initialises the engine once', async () => {
    const [a, b] = await Promise.all([
      createTfjsBackend({ engine: 'wasm' }),
      createTfjsBackend({ engine: 'wasm' }),
    ]);
    expect(a.info).toBe(b.info);
    expect(a.name).toBe('tfjs-wasm');
  });

  it('an unregistered engine says how to register it', async () => {
    await expect(createTfjsBackend({ engine: 'webgl' })).rejects.toThrow(
      /"webgl" is not registered .*tfjs-backend-webgl/,
    );
  });
});
