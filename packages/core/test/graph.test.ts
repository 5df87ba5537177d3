import { describe, expect, it } from 'vitest';
import {
  add,
  BINARY_KINDS,
  broadcastTo,
  consumersOf,
  Graph,
  grad,
  input,
  isBinaryOp,
  isElementwiseOp,
  isUnaryOp,
  matmul,
  mul,
  OP_KINDS,
  type Op,
  pinnedNodes,
  relu,
  ShapeError,
  SPARSE_KINDS,
  sum,
  topoSort,
  UNARY_KINDS,
  useCounts,
} from '../src/index.js';

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

describe('op kind guards', () => {
  it('tell unary, binary and elementwise ops apart', () => {
    const ops: Op[] = [
      ...UNARY_KINDS.map((kind) => ({ kind })),
      ...BINARY_KINDS.map((kind) => ({ kind })),
      { kind: 'where' },
      { kind: 'broadcastTo' },
      { kind: 'input', name: 'x' },
      { kind: 'const', value: new Float64Array(1) },
      { kind: 'matmul', transA: false, transB: false },
      { kind: 'sum', axes: [0], keepDims: false },
      { kind: 'reshape' },
      { kind: 'transpose', perm: [1, 0] },
      { kind: 'kthLargest', k: 1 },
    ];
    const kinds = (f: (op: Op) => boolean) => ops.filter(f).map((op) => op.kind);
    expect(kinds(isUnaryOp)).toEqual(UNARY_KINDS);
    expect(kinds(isBinaryOp)).toEqual(BINARY_KINDS);
    expect(kinds(isElementwiseOp)).toEqual([...UNARY_KINDS, ...BINARY_KINDS, 'where', 'broadcastTo']);
  });
});

describe('broadcasts the op would do anyway are not kept as nodes', () => {
  it('op(broadcastTo(z), y) with y of the full shape uses z directly', () => {
    const z = input('z', [3, 1]);
    const y = input('y', [3, 4]);
    const m = mul(broadcastTo(z, [3, 4]), y);
    expect(m.inputs).toEqual([z, y]);
    expect(m.shape).toEqual([3, 4]);
  });
  it('op(broadcastTo(z), scalar) broadcasts after the op, so a following op can drop it', () => {
    const z = input('z', [3, 1]);
    const m = mul(broadcastTo(z, [3, 4]), 2);
    expect(m.op.kind).toBe('broadcastTo');
    expect(m.inputs[0].op.kind).toBe('mul');
    expect(m.inputs[0].shape).toEqual([3, 1]);
  });
  it('keeps a broadcast that changes the result shape', () => {
    const z = input('z', [1]);
    const m = add(broadcastTo(z, [5]), input('s', []));
    expect(m.shape).toEqual([5]);
  });
  it('the gradient of a weighted squared error has no full-size broadcast', () => {
    const x = input('x', [8, 6]);
    const w = input('w', [8, 1]);
    const loss = sum(mul(sum(mul(x, x), [1], true), w));
    const [gx] = grad(loss, [x]);
    expect(Graph.from({ outputs: { gx } }).opCounts().broadcastTo).toBeUndefined();
  });
});

describe('OP_KINDS', () => {
  it('lists every op kind once, unary and binary kinds included', () => {
    expect(new Set(OP_KINDS).size).toBe(OP_KINDS.length);
    // The unary and binary kinds by their lists (a new elementwise op needs no edit here), and the rest.
    const rest = [
      'input',
      'const',
      'where',
      'matmul',
      'sum',
      'reshape',
      'transpose',
      'broadcastTo',
      'kthLargest',
    ];
    expect([...OP_KINDS].sort()).toEqual([...UNARY_KINDS, ...BINARY_KINDS, ...SPARSE_KINDS, ...rest].sort());
  });
});

describe('who reads what', () => {
  it('consumers and use counts list each read (a node reading x twice counts twice); pinned = outputs and updates', () => {
    const x = input('x', [2]);
    const p = input('p', [2]);
    const sq = mul(x, x);
    const y = add(sq, p);
    const u = add(p, 1);
    const g = Graph.from({ outputs: { y }, updates: { p: u } });
    expect(consumersOf(g).get(x)).toEqual([sq, sq]);
    expect(consumersOf(g).get(p)).toEqual(g.nodes.filter((n) => n === y || n === u));
    expect(consumersOf(g).get(y)).toBeUndefined();
    expect(useCounts(g).get(x)).toBe(2);
    expect(useCounts(g).get(sq)).toBe(1);
    expect(pinnedNodes(g)).toEqual(new Set([y, u]));
  });
});
