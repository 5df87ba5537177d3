import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  Graph,
  grad,
  greaterEqual,
  input,
  kthLargest,
  maximum,
  mul,
  relu,
  stopGradient,
  sub,
  sum,
} from '../src/index.js';
import { evaluateGraph, vjpProblem, vjpSpecs } from '../src/testing/index.js';
import { finiteDifferenceCheck } from './helpers/finite-differences.js';

describe('every VJP of the primitive table against float64 central finite differences', () => {
  for (const spec of vjpSpecs()) {
    it(spec.name, () => {
      const r = finiteDifferenceCheck(vjpProblem(spec));
      // Kinks are the exception (relu's zeros, maximum's ties); a scalar may be one.
      expect(r.kinks, `${r.kinks} kinks, ${r.checked} smooth coordinates`).toBeLessThanOrEqual(
        Math.max(1, r.checked),
      );
      expect(r.worst, r.at).toBeLessThan(1e-6);
    });
  }

  it('the check itself catches a wrong gradient (twice the right one)', () => {
    const spec = vjpSpecs().find((s) => s.name === 'sigmoid 7x13')!;
    const p = vjpProblem(spec);
    const wrong = Graph.from({
      outputs: { L: p.graph.outputs.L, 'grad.x': mul(p.graph.outputs['grad.x'], 2) },
    });
    expect(finiteDifferenceCheck(p).worst).toBeLessThan(1e-6);
    expect(finiteDifferenceCheck({ ...p, graph: wrong }).worst).toBeGreaterThan(1e-2);
  });
});

/** The gradient of sum(f(x) * r) for one input x of the given values, with r = 1. */
function gradAt(f: (x: ReturnType<typeof input>) => ReturnType<typeof input>, values: number[]): number[] {
  const x = input('x', [values.length]);
  const [g] = grad(sum(f(x)), [x]);
  const graph = Graph.from({ outputs: { g } });
  return [...evaluateGraph(graph, { x: values }).get(g)!];
}

describe('at a kink the gradient follows PyTorch (finite differences cannot tell)', () => {
  it('relu and abs have gradient 0 at 0', () => {
    expect(gradAt(relu, [-1, 0, 2])).toEqual([0, 0, 1]);
    expect(gradAt(abs, [-1, 0, 2])).toEqual([-1, 0, 1]);
  });
  it('maximum gives the whole gradient to a at a tie', () => {
    const a = input('a', [3]);
    const b = input('b', [3]);
    const [ga, gb] = grad(sum(maximum(a, b)), [a, b]);
    const v = evaluateGraph(Graph.from({ outputs: { ga, gb } }), { a: [1, 2, 3], b: [1, 5, 0] });
    expect([...v.get(ga)!]).toEqual([1, 0, 1]);
    expect([...v.get(gb)!]).toEqual([0, 1, 0]);
  });
  it('kthLargest passes no gradient: a top-k mask only selects', () => {
    expect(gradAt((x) => mul(x, greaterEqual(x, kthLargest(x, 2))), [3, 1, 2, 0])).toEqual([1, 0, 1, 0]);
  });
  it('stopGradient passes its value and no gradient: d(x·sg(x))/dx = x, not 2x', () => {
    expect(gradAt((x) => mul(x, stopGradient(x)), [3, -1, 0.5])).toEqual([3, -1, 0.5]);
    const x = input('x', [2]);
    const y = mul(x, stopGradient(x));
    expect(evaluateGraph(Graph.from({ outputs: { y } }), { x: [3, -2] }).get(y)).toEqual(
      Float64Array.of(9, 4),
    );
  });
  it('a + (b − sg(b)) has the value of a and the gradient of a + b (the pseudo-derivative pattern)', () => {
    const f = (x: ReturnType<typeof input>) => add(relu(x), sub(mul(x, 3), stopGradient(mul(x, 3))));
    expect(gradAt(f, [-1, 2])).toEqual([3, 4]);
  });
});
