import { Graph, input, mul } from '@saekit/core';
import ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { availableProviders, createOnnxBackend } from '../src/index.js';

describe('execution providers', () => {
  it('lists cpu, and only providers this install has', () => {
    const have = availableProviders();
    expect(have).toContain('cpu');
    const known = ort.listSupportedBackends();
    for (const p of have) expect(known.map((b) => b.name)).toContain(p);
    // A provider the binding knows but whose library was not installed is not offered.
    const missing = known.filter((b) => !b.bundled && !have.includes(b.name));
    for (const b of missing)
      expect(() => createOnnxBackend({ executionProviders: [b.name] })).toThrow(/not available/);
  });

  it('runs on the providers asked for (cpu explicitly)', async () => {
    const x = input('x', [2]);
    const exe = await createOnnxBackend({ executionProviders: ['cpu'] }).compile(
      Graph.from({ outputs: { y: mul(x, 3) } }),
    );
    const out = await exe.run({ x: Float32Array.of(1, 2) });
    expect([...out.y]).toEqual([3, 6]);
    exe.dispose();
  });

  it('refuses one that is not there, naming those that are', () => {
    expect(() => createOnnxBackend({ executionProviders: ['nonesuch', 'cpu'] })).toThrow(
      /execution provider "nonesuch" is not available in this onnxruntime-node \(available: cpu.*\).*docs\/gpu.md/,
    );
    expect(() => createOnnxBackend({ executionProviders: ['nonesuch'] })).toThrow(
      /"nonesuch" is not available/,
    );
    expect(() => createOnnxBackend({ executionProviders: [] })).toThrow(/non-empty list/);
  });
});
