import type { Graph } from './graph/graph.js';
import type { OpKind } from './graph/node.js';
import { fmt } from './graph/shape.js';

/**
 * The version of this interface. A backend states the version it implements, so a third-party
 * backend built against an older spec is refused with a clear message instead of misbehaving.
 */
export const BACKEND_SPEC_VERSION = 1 as const;

export type FloatArray = Float32Array | Float64Array;

export interface CompileOptions<T extends FloatArray = Float32Array> {
  /**
   * Initial values of inputs that live on the backend between runs: parameters, optimizer state.
   * Every input named in `graph.updates` must be given here. Other inputs are fed on each run.
   */
  readonly state?: Readonly<Record<string, T>>;
}

/** A graph compiled once and run many times. */
export interface Executable<T extends FloatArray = Float32Array> {
  readonly graph: Graph;
  /** Names of the inputs each `run` must feed (every input that is not state). */
  readonly feedNames: readonly string[];
  /**
   * Computes every output and update from the feeds and the current state, then replaces each
   * updated state value. The returned arrays may be reused by the next run: copy what you keep.
   */
  run(feeds: Readonly<Record<string, T>>): Promise<Record<string, T>>;
  /** A copy of a state input's current value. */
  readState(name: string): Promise<T>;
  /** Replaces a state input's value. */
  writeState(name: string, value: T): void;
  /** Frees what the backend holds; the executable cannot run after this. */
  dispose(): void;
}

export interface Backend<T extends FloatArray = Float32Array> {
  /** A short id such as `cpu`, `tfjs-wasm`, `onnx`. */
  readonly name: string;
  readonly specVersion: typeof BACKEND_SPEC_VERSION;
  /** Op kinds this backend can run; compile throws `UnsupportedOpError` on any other. */
  readonly supportedOps?: ReadonlySet<OpKind>;
  compile(graph: Graph, opts?: CompileOptions<T>): Promise<Executable<T>>;
}

/** Thrown by `compile` for an op kind the backend does not implement. */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError';
  constructor(
    readonly backend: string,
    readonly op: OpKind,
  ) {
    super(`backend ${backend} does not implement op "${op}"`);
  }
}

/** Checks a backend object against this spec version, with a message a plugin author can act on. */
export function assertBackend(b: unknown, source = 'backend'): asserts b is Backend {
  const o = b as Partial<Backend> | null;
  if (!o || typeof o !== 'object' || typeof o.compile !== 'function' || typeof o.name !== 'string') {
    throw new TypeError(`${source}: not a saekit Backend (needs a string "name" and a "compile" method)`);
  }
  if (o.specVersion !== BACKEND_SPEC_VERSION) {
    throw new TypeError(
      `${source}: implements backend spec ${String(o.specVersion)}, this saekit needs ${BACKEND_SPEC_VERSION}`,
    );
  }
}

/**
 * Splits a graph's inputs into state and feeds, and checks the initial state: every updated input
 * has a value, no value names an unknown input, every length matches. Shared by all backends.
 */
export function planInputs<T extends FloatArray>(
  graph: Graph,
  state: Readonly<Record<string, T>> = {},
): { stateNames: string[]; feedNames: string[] } {
  for (const [name, v] of Object.entries(state)) {
    const n = graph.inputs.get(name);
    if (!n)
      throw new Error(
        `compile: state "${name}" names no input of the graph (inputs: ${[...graph.inputs.keys()].join(', ')})`,
      );
    if (v.length !== n.size)
      throw new Error(
        `compile: state "${name}" has ${v.length} values, input ${fmt(n.shape)} needs ${n.size}`,
      );
  }
  for (const name of Object.keys(graph.updates)) {
    if (!(name in state))
      throw new Error(`compile: state input "${name}" is updated by the graph but has no initial value`);
  }
  const stateNames = [...graph.inputs.keys()].filter((k) => k in state);
  const feedNames = [...graph.inputs.keys()].filter((k) => !(k in state));
  return { stateNames, feedNames };
}

/** Checks the feeds of one run: all present, none unknown, right lengths. */
export function checkFeeds<T extends FloatArray>(
  graph: Graph,
  feedNames: readonly string[],
  feeds: Readonly<Record<string, T>>,
): void {
  for (const name of feedNames) {
    const v = feeds[name];
    const n = graph.inputs.get(name)!;
    if (!v) throw new Error(`run: missing feed "${name}" ${fmt(n.shape)} (feeds: ${feedNames.join(', ')})`);
    if (v.length !== n.size)
      throw new Error(`run: feed "${name}" has ${v.length} values, input ${fmt(n.shape)} needs ${n.size}`);
  }
  for (const name of Object.keys(feeds)) {
    if (!feedNames.includes(name)) {
      const why = graph.inputs.has(name) ? 'it is state, set it with writeState' : 'no such input';
      throw new Error(`run: unexpected feed "${name}" (${why})`);
    }
  }
}
