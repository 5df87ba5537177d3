import { type Backend, Graph, grad, input, mul, type Node, type Shape, sum } from '@saekit/core';
import { compareTensors, type Tolerance } from '@saekit/core/testing';
import { evaluateBoth, type PairedFeeds } from '../evaluate.js';
import { type Gen, makeTensor, normal, rngFor } from '../inputs.js';
import { PRIMITIVE_TOLERANCE, VJP_TOLERANCE } from '../tolerances.js';
import type { CaseContext, ConformanceCase } from '../types.js';

export interface InputSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly gen: Gen;
  /** Whether the VJP case differentiates with respect to this input (default true). */
  readonly diff?: boolean;
}

/** One primitive (or a tiny composite) on generated inputs. */
export interface PrimitiveSpec {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly build: (xs: Node[]) => Node;
  readonly tol?: Tolerance;
}

function feedsFor(name: string, specs: readonly InputSpec[]): { nodes: Node[]; feeds: PairedFeeds } {
  const rng = rngFor(name);
  const feeds: PairedFeeds = { f32: {}, f64: {} };
  const nodes = specs.map((s) => {
    const t = makeTensor(rng, s.shape, s.gen);
    feeds.f32[s.name] = t.f32;
    feeds.f64[s.name] = t.f64;
    return input(s.name, s.shape);
  });
  return { nodes, feeds };
}

/** The primitive's output on the backend against the float64 reference. */
export function forwardCase(spec: PrimitiveSpec): ConformanceCase {
  return {
    group: 'primitive',
    name: spec.name,
    async run(backend: Backend, ctx: CaseContext) {
      const { nodes, feeds } = feedsFor(`primitive/${spec.name}`, spec.inputs);
      const graph = Graph.from({ outputs: { y: spec.build(nodes) } });
      const { actual, expected } = await evaluateBoth(backend, ctx.reference, graph, feeds);
      return [compareTensors('y', actual.y, expected.y, spec.tol ?? PRIMITIVE_TOLERANCE)];
    },
  };
}

/**
 * The gradients of L = sum(f(xs) * r), r a fixed random cotangent, with respect to each
 * differentiable input, and L itself: on the backend against the float64 reference.
 */
export function vjpCase(spec: PrimitiveSpec): ConformanceCase {
  return {
    group: 'vjp',
    name: spec.name,
    async run(backend: Backend, ctx: CaseContext) {
      const key = `vjp/${spec.name}`;
      const { nodes, feeds } = feedsFor(key, spec.inputs);
      const y = spec.build(nodes);
      const r = feedsFor(`${key}/r`, [{ name: 'r', shape: y.shape, gen: normal() }]);
      Object.assign(feeds.f32, r.feeds.f32);
      Object.assign(feeds.f64, r.feeds.f64);
      const loss = sum(mul(y, r.nodes[0]));
      const wrt = spec.inputs.flatMap((s, i) => (s.diff === false ? [] : [i]));
      const gs = grad(
        loss,
        wrt.map((i) => nodes[i]),
      );
      const outputs: Record<string, Node> = { L: loss };
      wrt.forEach((i, j) => {
        outputs[`grad.${spec.inputs[i].name}`] = gs[j];
      });
      const { actual, expected } = await evaluateBoth(backend, ctx.reference, Graph.from({ outputs }), feeds);
      const tol = spec.tol ?? VJP_TOLERANCE;
      return Object.keys(outputs).map((k) => compareTensors(k, actual[k], expected[k], tol));
    },
  };
}
