import { Graph, input, matmul } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { createCpuBackend } from '../src/index.js';

describe('feeds rebound per run', () => {
  it('a product of two feeds reads the arrays given to each run, not the first', () => {
    const a = input('a', [2, 2]);
    const b = input('b', [2, 2]);
    const exe = createCpuBackend({ threads: 1 }).compileSync(Graph.from({ outputs: { y: matmul(a, b) } }));
    const first = exe.runSync({ a: new Float32Array([1, 0, 0, 1]), b: new Float32Array([1, 2, 3, 4]) });
    expect([...first.y]).toEqual([1, 2, 3, 4]);
    const second = exe.runSync({ a: new Float32Array([2, 0, 0, 2]), b: new Float32Array([5, 6, 7, 8]) });
    expect([...second.y]).toEqual([10, 12, 14, 16]);
  });
});
