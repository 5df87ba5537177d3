import type { Backend, FloatArray } from '../../backend.js';
import { grad } from '../../graph/grad.js';
import { Graph } from '../../graph/graph.js';
import type { Node } from '../../graph/node.js';
import type { Shape } from '../../graph/shape.js';
import { mul } from '../../ops/binary.js';
import { input } from '../../ops/leaves.js';
import { sum } from '../../ops/shape.js';
import { type Comparison, compareTensors, formatComparisons, type Tolerance } from '../compare.js';
import { type Gen, makeTensor, normal, rngFor } from '../gens.js';
import { PRIMITIVE_TOLERANCE, VJP_TOLERANCE } from '../tolerances.js';

export interface InputSpec {
  readonly name: string;
  readonly shape: Shape;
  readonly gen: Gen;
  /** Whether the VJP case differentiates with respect to this input (default true). */
  readonly diff?: boolean;
}

/** One primitive (or a tiny composite) on generated inputs: one row of the primitive table. */
export interface PrimitiveSpec {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly build: (xs: Node[]) => Node;
  readonly tol?: Tolerance;
}

/** Feeds for one graph: the same values for a float32 backend and for the float64 reference. */
export interface PairedFeeds {
  readonly f32: Record<string, Float32Array>;
  readonly f64: Record<string, Float64Array>;
}

/** A graph to run on a backend and on the reference, its feeds, and the bound they must agree to. */
export interface PrimitiveProblem {
  readonly graph: Graph;
  readonly feeds: PairedFeeds;
  readonly tol: Tolerance;
  /** The differentiated inputs (VJP problems only), in the order of their `grad.<name>` outputs. */
  readonly wrt: readonly InputSpec[];
}

/** Input nodes and their values, drawn from a seed derived from `key` (so from the case's name). */
function feedsFor(key: string, specs: readonly InputSpec[]): { nodes: Node[]; feeds: PairedFeeds } {
  const rng = rngFor(key);
  const feeds: PairedFeeds = { f32: {}, f64: {} };
  const nodes = specs.map((s) => {
    const t = makeTensor(rng, s.shape, s.gen);
    feeds.f32[s.name] = t.f32;
    feeds.f64[s.name] = t.f64;
    return input(s.name, s.shape);
  });
  return { nodes, feeds };
}

/** The primitive's output `y` on its generated inputs. */
export function forwardProblem(spec: PrimitiveSpec): PrimitiveProblem {
  const { nodes, feeds } = feedsFor(`primitive/${spec.name}`, spec.inputs);
  const graph = Graph.from({ outputs: { y: spec.build(nodes) } });
  return { graph, feeds, tol: spec.tol ?? PRIMITIVE_TOLERANCE, wrt: [] };
}

/**
 * L = sum(f(xs) * r), r a fixed random cotangent input, and its gradients `grad.<name>` with
 * respect to each differentiable input.
 */
export function vjpProblem(spec: PrimitiveSpec): PrimitiveProblem {
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
  return {
    graph: Graph.from({ outputs }),
    feeds,
    tol: spec.tol ?? VJP_TOLERANCE,
    wrt: wrt.map((i) => spec.inputs[i]),
  };
}

/**
 * Compiles, runs once, copies every output (a backend may reuse its output arrays) and disposes.
 */
export async function evaluate<T extends FloatArray>(
  backend: Backend<T>,
  graph: Graph,
  feeds: Readonly<Record<string, T>>,
  state?: Readonly<Record<string, T>>,
): Promise<Record<string, Float64Array>> {
  const exe = await backend.compile(graph, state ? { state } : undefined);
  try {
    const out = await exe.run(feeds);
    const copy: Record<string, Float64Array> = {};
    for (const name of Object.keys(graph.outputs)) {
      const v = out[name];
      if (!v) throw new Error(`${backend.name}: run returned no output "${name}"`);
      if (v.length !== graph.outputs[name].size)
        throw new Error(
          `${backend.name}: output "${name}" has ${v.length} values, expected ${graph.outputs[name].size}`,
        );
      copy[name] = Float64Array.from(v);
    }
    return copy;
  } finally {
    exe.dispose();
  }
}

/** A graph on the backend under test and on the float64 reference, with the same input values. */
export async function evaluateBoth(
  backend: Backend,
  reference: Backend<Float64Array>,
  graph: Graph,
  feeds: PairedFeeds,
): Promise<{ actual: Record<string, Float64Array>; expected: Record<string, Float64Array> }> {
  const expected = await evaluate(reference, graph, feeds.f64);
  for (const [name, v] of Object.entries(expected)) {
    if (!v.every(Number.isFinite))
      throw new Error(`case design: the float64 reference gives a non-finite "${name}"`);
  }
  return { actual: await evaluate(backend, graph, feeds.f32), expected };
}

/** A problem on a float32 backend against a float64 reference: one comparison per output. */
export async function checkProblem(
  backend: Backend,
  reference: Backend<Float64Array>,
  p: PrimitiveProblem,
): Promise<Comparison[]> {
  const { actual, expected } = await evaluateBoth(backend, reference, p.graph, p.feeds);
  return Object.keys(expected).map((k) => compareTensors(k, actual[k], expected[k], p.tol));
}

/** One check of the table on a backend: throws, listing the tensors out of bound, if any is. */
export interface TableCheck {
  readonly name: string;
  run(backend: Backend, reference: Backend<Float64Array>): Promise<void>;
}

const tableCheck = (name: string, problem: () => PrimitiveProblem): TableCheck => ({
  name,
  async run(backend, reference) {
    const cs = await checkProblem(backend, reference, problem());
    if (cs.some((c) => !c.pass)) throw new Error(formatComparisons(cs));
  },
});

/** Every forward spec, then every gradient spec (`gradient: <name>`), as checks for a test runner. */
export function tableChecks(
  forward: readonly PrimitiveSpec[],
  gradients: readonly PrimitiveSpec[],
): TableCheck[] {
  return [
    ...forward.map((s) => tableCheck(s.name, () => forwardProblem(s))),
    ...gradients.map((s) => tableCheck(`gradient: ${s.name}`, () => vjpProblem(s))),
  ];
}
