import { describe, expect, it } from 'vitest';
import { add, Graph, grad, input, matmul, mul, relu, ShapeError, sum, topoSort } from '../src/index.js';

describe('Graph', () => {
  it('collects reachable nodes in topological order and names its inputs', () => {
    const x = input('x', [2, 3]);
    const w = input('w', [3, 4]);
    const y = relu(matmul(x, w));
    const g = Graph.from({ outputs: { y } });
    const pos = new Map(g.nodes.map((n, i) => [n, i]));
    for (const n of g.nodes) for (const i of n.inputs) expect(pos.get(i)!).toBeLessThan(pos.get(n)!);
    expect([...g.inputs.keys()].sort()).toEqual(['w', 'x']);
    expect(g.opCounts()).toEqual({ input: 2, matmul: 1, relu: 1 });
  });
  it('refuses two different inputs with one name, and updates that do not fit', () => {
    const a = input('a', [2]);
    expect(() => Graph.from({ outputs: { s: add(a, input('a', [2])) } })).toThrow(
      /two different inputs are named "a"/,
    );
    expect(() => Graph.from({ outputs: {}, updates: { b: a } })).toThrow(/update "b" names no input/);
    expect(() => Graph.from({ outputs: { a }, updates: { a: sum(a) } })).toThrow(
      /update "a" has shape \[\], the input has \[2\]/,
    );
    expect(() => Graph.from({ outputs: {} })).toThrow(ShapeError);
  });
  it('sorts deep chains without recursion limits', () => {
    let n = input('x', [1]);
    for (let i = 0; i < 20000; i++) n = add(n, 1);
    expect(topoSort([n]).length).toBe(40001);
  });
});

describe('grad', () => {
  it('returns nodes of the inputs shapes, zeros for an input the output ignores', () => {
    const x = input('x', [3, 2]);
    const z = input('z', [5]);
    const y = sum(mul(x, x));
    const [gx, gz] = grad(y, [x, z]);
    expect(gx.shape).toEqual([3, 2]);
    expect(gz.shape).toEqual([5]);
    expect(gz.op.kind).toBe('broadcastTo');
  });
  it('needs a scalar or a seed of the right shape', () => {
    const x = input('x', [3]);
    expect(() => grad(x, [x])).toThrow(/y must be a scalar \(got \[3\]\)/);
    expect(() => grad(x, [x], input('s', [4]))).toThrow(/seed \[4\] does not match y \[3\]/);
  });
  it('builds no backward nodes for branches that do not lead to the wanted inputs', () => {
    const x = input('x', [4, 4]);
    const w = input('w', [4, 4]);
    const y = sum(matmul(x, w));
    const [gw] = grad(y, [w]);
    const kinds = Graph.from({ outputs: { gw } }).opCounts();
    expect(kinds.matmul).toBe(1); // only xᵀ·g; the gradient into x is never reachable
  });
});
