import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, input, mul, sub } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend } from '../src/index.js';

describe('the profile option', () => {
  it("writes ONNX Runtime's trace, one model_run per run, with per-node kernel times", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'saekit-onnx-profile-'));
    try {
      const p = input('p', [4]);
      const g = input('g', [4]);
      const graph = Graph.from({ outputs: { y: mul(p, g) }, updates: { p: sub(p, mul(g, 0.5)) } });
      const exe = await createOnnxBackend({ threads: 1, profile: join(dir, 'step') }).compile(graph, {
        state: { p: Float32Array.of(1, 2, 3, 4) },
      });
      for (let i = 0; i < 3; i++) await exe.run({ g: Float32Array.of(1, 1, 1, 1) });
      await exe.endProfiling();
      exe.dispose();
      const files = readdirSync(dir).filter((f) => f.startsWith('step') && f.endsWith('.json'));
      expect(files).toHaveLength(1);
      const events = JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as {
        name: string;
        cat?: string;
      }[];
      expect(events.filter((e) => e.name === 'model_run')).toHaveLength(3);
      expect(events.some((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
