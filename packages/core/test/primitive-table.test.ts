import { describe, expect, it } from 'vitest';
import { type Backend, BINARY_KINDS, input, OP_KINDS, type OpKind, UNARY_KINDS } from '../src/index.js';
import {
  BINARY_TABLE,
  createReferenceBackend,
  forwardProblem,
  type PrimitiveSpec,
  primitiveSpecs,
  primitiveTableChecks,
  UNARY_TABLE,
  vjpSpecs,
} from '../src/testing/index.js';

// The table every backend's tests and conformance run: it must reach every primitive, so that a
// primitive added to core without a row here is noticed.
const rootKind = (s: PrimitiveSpec): OpKind => s.build(s.inputs.map((i) => input(i.name, i.shape))).op.kind;

describe('the primitive table', () => {
  const specs = primitiveSpecs();

  it('runs every op kind of core in its forward cases', () => {
    const seen = new Set<OpKind>();
    for (const s of specs) for (const n of forwardProblem(s).graph.nodes) seen.add(n.op.kind);
    expect([...OP_KINDS].filter((k) => !seen.has(k))).toEqual([]);
  });

  it('has unique case names, forward and gradient', () => {
    for (const list of [specs, vjpSpecs()]) {
      const names = list.map((s) => s.name);
      expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    }
  });

  it('differentiates every op whose VJP is not "no gradient"', () => {
    const noGrad = new Set<OpKind>([
      ...UNARY_KINDS.filter((k) => UNARY_TABLE[k].noGrad),
      ...BINARY_KINDS.filter((k) => BINARY_TABLE[k].noGrad),
      'kthLargest',
      'topkIndices',
      'input',
      'const',
    ]);
    expect([...noGrad].sort()).toEqual([
      'const',
      'greater',
      'greaterEqual',
      'input',
      'kthLargest',
      'sign',
      'stopGradient',
      'topkIndices',
    ]);
    const roots = new Set(vjpSpecs().map(rootKind));
    expect(OP_KINDS.filter((k) => !noGrad.has(k) && !roots.has(k))).toEqual([]);
  });

  it('gives each unary op its edge shapes and both magnitude variants from one entry', () => {
    for (const k of UNARY_KINDS) {
      const mine = specs.filter((s) => s.name.startsWith(`${k} `) && rootKind(s) === k);
      expect(mine.map((s) => s.name)).toEqual(
        expect.arrayContaining([`${k} scalar`, `${k} 7x13 large`, `${k} 7x13 tiny`]),
      );
      expect(mine.length).toBe(9);
    }
  });

  it('its checks fail a backend that is off where the reference is not', async () => {
    const f32 = createReferenceBackend({ float32: true });
    // Right everywhere except sigmoid's outputs, which are 1e-3 too large.
    const broken: Backend = {
      ...f32,
      name: 'broken-sigmoid',
      async compile(graph, opts) {
        const exe = await f32.compile(graph, opts);
        const off = graph.nodes.some((n) => n.op.kind === 'sigmoid');
        return {
          graph: exe.graph,
          feedNames: exe.feedNames,
          readState: (name) => exe.readState(name),
          writeState: (name, v) => exe.writeState(name, v),
          run: async (feeds) => {
            const out = await exe.run(feeds);
            if (off) for (const v of Object.values(out)) for (let i = 0; i < v.length; i++) v[i] += 1e-3;
            return out;
          },
          dispose: () => exe.dispose(),
        };
      },
    };
    const reference = createReferenceBackend();
    const checks = primitiveTableChecks();
    const run = (name: string) => checks.find((c) => c.name === name)!.run(broken, reference);
    await expect(run('sigmoid 7x13')).rejects.toThrow(/FAIL y/);
    await expect(run('gradient: sigmoid 7x13')).rejects.toThrow(/FAIL/);
    await expect(run('neg 7x13')).resolves.toBeUndefined();
  });
});
