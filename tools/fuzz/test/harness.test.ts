import { SafetensorsError } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { canonical } from '../src/json-keys.js';
import { fuzzTarget, TARGETS } from '../src/run.js';
import type { Target } from '../src/types.js';

/** A lax safetensors reader, as saekit's was: JSON.parse, no offset or trailing-byte checks. */
const lax: Target = {
  ...TARGETS[0],
  name: 'lax-safetensors',
  read: async (b) => {
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const n = Number(v.getBigUint64(0, true));
    if (n > b.length - 8) throw new SafetensorsError('header length');
    const header = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n))) as Record<string, never>;
    const tensors: Record<string, unknown> = {};
    let metadata = {};
    for (const [name, info] of Object.entries(header)) {
      if (name === '__metadata__') {
        metadata = info;
        continue;
      }
      const { shape, data_offsets: o } = info as { shape: number[]; data_offsets: number[] };
      const data = new Float32Array((o[1] - o[0]) / 4);
      for (let i = 0; i < data.length; i++) data[i] = v.getFloat32(8 + n + o[0] + 4 * i, true);
      tensors[name] = { shape, data };
    }
    return canonical({ tensors, metadata });
  },
};

describe('the harness catches a lax reader', () => {
  it('reports wrong accepts and crashes (errors not of the reader type) of a lax safetensors reader', async () => {
    const s = await fuzzTarget(lax, { count: 1500, seed: 7, hangMs: 30_000 });
    expect(s.counts['wrong-accept']).toBeGreaterThan(0);
    expect(s.counts.crash).toBeGreaterThan(0);
    expect(s.findings.some((f) => /#\d+ wrong-accept: /.test(f))).toBe(true);
  });
});
