import { add, exp, Graph, input, mul, sum } from '@saekit/core';
import { describe, expect, it } from 'vitest';
import { schedule } from '../src/schedule.js';

describe('schedule', () => {
  it('runs inputs and constants, then small nodes computed from them alone, then the rest in graph order', () => {
    const x = input('x', [100, 100]);
    const t = input('t', []);
    const big = exp(x); // 10,000 values: not hoisted even though it needs only an input
    const scale = mul(exp(t), 0.5); // a step size: hoisted
    const y = mul(big, scale);
    const graph = Graph.from({ outputs: { y, s: sum(add(y, 1)) } });
    const order = schedule(graph);
    expect(new Set(order)).toEqual(new Set(graph.nodes));
    const at = (n: (typeof order)[number]) => order.indexOf(n);
    expect(at(scale)).toBeLessThan(at(big));
    expect(at(scale.inputs[0])).toBeLessThan(at(scale)); // exp(t) before its use
    for (const n of order) for (const i of n.inputs) expect(at(i)).toBeLessThan(at(n)); // still topological
    expect(order.slice(0, 3).every((n) => n.op.kind === 'input' || n.op.kind === 'const')).toBe(true);
  });
});
