import type { Backend, FloatArray, Graph } from '@saekit/core';

/** Feeds for one graph: the same values for the backend (float32) and the reference (float64). */
export interface PairedFeeds {
  readonly f32: Record<string, Float32Array>;
  readonly f64: Record<string, Float64Array>;
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
  const actual = await evaluate(backend, graph, feeds.f32);
  for (const [name, v] of Object.entries(actual)) {
    const n = graph.outputs[name].size;
    if (v.length !== n)
      throw new Error(`${backend.name}: output "${name}" has ${v.length} values, expected ${n}`);
  }
  return { actual, expected };
}
