import {
  BACKEND_SPEC_VERSION,
  type Backend,
  type CompileOptions,
  checkFeeds,
  type Executable,
  type FloatArray,
  planInputs,
} from '../../backend.js';
import type { Graph } from '../../graph/graph.js';
import type { Node } from '../../graph/node.js';
import { KERNELS } from './kernels.js';

/**
 * Every node's value, in float64: inputs from `inputs` (by name), every other node by its
 * reference kernel, in the graph's topological order.
 */
export function evaluateGraph(
  graph: Graph,
  inputs: Readonly<Record<string, ArrayLike<number>>>,
): Map<Node, Float64Array> {
  const values = new Map<Node, Float64Array>();
  for (const n of graph.nodes) {
    if (n.op.kind === 'input') {
      const v = inputs[n.op.name];
      if (!v || v.length !== n.size)
        throw new Error(`reference: input "${n.op.name}" needs ${n.size} values`);
      values.set(n, Float64Array.from(v));
    } else {
      values.set(
        n,
        KERNELS[n.op.kind](
          n,
          n.inputs.map((x) => values.get(x)!),
        ),
      );
    }
  }
  return values;
}

class ReferenceExecutable<T extends FloatArray> implements Executable<T> {
  readonly feedNames: readonly string[];
  private readonly state = new Map<string, T>();
  private disposed = false;

  constructor(
    readonly graph: Graph,
    private readonly make: (v: ArrayLike<number>) => T,
    initial: Readonly<Record<string, T>> = {},
  ) {
    const { stateNames, feedNames } = planInputs(graph, initial);
    this.feedNames = feedNames;
    for (const name of stateNames) this.state.set(name, make(initial[name]));
  }

  async run(feeds: Readonly<Record<string, T>>): Promise<Record<string, T>> {
    if (this.disposed) throw new Error('reference: run after dispose');
    checkFeeds(this.graph, this.feedNames, feeds);
    const values = evaluateGraph(this.graph, { ...Object.fromEntries(this.state), ...feeds });
    const out: Record<string, T> = {};
    for (const [name, n] of Object.entries(this.graph.outputs)) out[name] = this.make(values.get(n)!);
    // Every update is computed from the old state before any is replaced.
    for (const [name, n] of Object.entries(this.graph.updates))
      this.state.set(name, this.make(values.get(n)!));
    return out;
  }

  async readState(name: string): Promise<T> {
    const v = this.state.get(name);
    if (!v) throw new Error(`reference: "${name}" is not a state input`);
    return this.make(v);
  }

  writeState(name: string, value: T): void {
    const v = this.state.get(name);
    if (!v) throw new Error(`reference: "${name}" is not a state input`);
    if (value.length !== v.length) throw new Error(`reference: state "${name}" needs ${v.length} values`);
    this.state.set(name, this.make(value));
  }

  dispose(): void {
    this.disposed = true;
    this.state.clear();
  }
}

function referenceBackend<T extends FloatArray>(name: string, make: (v: ArrayLike<number>) => T): Backend<T> {
  return {
    name,
    specVersion: BACKEND_SPEC_VERSION,
    compile: async (graph: Graph, opts?: CompileOptions<T>) =>
      new ReferenceExecutable(graph, make, opts?.state),
  };
}

/**
 * The float64 reference as a Backend: every primitive by one naive loop (see kernels.ts). With
 * `float32`, it takes and returns Float32Array (state rounded to float32 between runs, as a float32
 * backend keeps it), still computing each run in float64: for code that takes a float32 Backend.
 */
export function createReferenceBackend(opts?: { float32?: false }): Backend<Float64Array>;
export function createReferenceBackend(opts: { float32: true }): Backend<Float32Array>;
export function createReferenceBackend(opts: { float32?: boolean } = {}): Backend<FloatArray> {
  return opts.float32
    ? referenceBackend('reference-f32', (v) => Float32Array.from(v))
    : referenceBackend('reference', (v) => Float64Array.from(v));
}
