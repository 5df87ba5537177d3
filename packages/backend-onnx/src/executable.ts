import { checkFeeds, type Executable, type Graph, planInputs } from '@saekit/core';
import { type HostPlan, planHostUpdates } from './host/plan.js';
import { HostUpdates } from './host/updates.js';
import { canUpdateInPlace } from './in-place.js';
import { lowerGraph } from './lower.js';
import { buildModel } from './model.js';
import {
  HOST_UPDATES,
  type OrtSession,
  type OrtTensor,
  ort,
  ortMessage,
  type SessionConfig,
  sessionOptions,
} from './ort.js';
import { PackedState } from './packed-state.js';
import { encodeModelProto } from './proto/codec.js';
import { releaseCopies } from './release-copies.js';

export interface OnnxCompileConfig extends SessionConfig {
  readonly opset?: number;
  /**
   * Where the optimizer's step runs (host/plan.ts): `auto` (default) on the host, in one
   * WebAssembly SIMD loop per parameter, for a training step on the CPU provider in Node that
   * updates at least HOST_MIN_VALUES values; `always` whenever the graph has such a step (tests);
   * `never` inside ONNX Runtime (as on GPU providers and in browsers).
   */
  readonly hostUpdates?: 'auto' | 'always' | 'never';
}

/** The fewest updated values for which `auto` runs the step on the host. */
export const HOST_MIN_VALUES = 1 << 20;

/** The host plan for this graph and config, if the step runs on the host. */
export function hostPlan(
  graph: Graph,
  state: Readonly<Record<string, Float32Array>>,
  cfg: OnnxCompileConfig,
): HostPlan | undefined {
  const mode = cfg.hostUpdates ?? 'auto';
  if (mode === 'never') return undefined;
  const cpuOnly = (cfg.executionProviders ?? ['cpu']).every((p) => p === 'cpu');
  if (mode === 'auto' && !(HOST_UPDATES && cpuOnly)) return undefined;
  return planHostUpdates(graph, state, mode === 'always' ? 0 : HOST_MIN_VALUES);
}

const tensor = (data: Float32Array, dims: readonly number[]): OrtTensor =>
  new ort.Tensor('float32', data, dims);

/**
 * Updated state and outputs up to this many values are fed and fetched packed (lower/pack.ts):
 * biases, their moments, the step count and the losses, not the weight matrices (splitting those
 * out of one vector would copy them).
 */
const PACK_MAX_SIZE = 4096;

/** The state and outputs worth packing: the small ones, when there are at least two. */
function packChoice(
  graph: Graph,
  stateNames: readonly string[],
): { state: string[]; outputs: string[] } | undefined {
  const state = stateNames.filter(
    (name) => name in graph.updates && graph.inputs.get(name)!.size <= PACK_MAX_SIZE,
  );
  const outputs = Object.keys(graph.outputs).filter((k) => graph.outputs[k].size <= PACK_MAX_SIZE);
  return state.length + outputs.length >= 2 ? { state, outputs } : undefined;
}

/**
 * Graphs whose values add up to more than this many floats run without ONNX Runtime's memory
 * pattern: at that size its block of a run's intermediates doubles what the arena already holds.
 */
const LARGE_GRAPH_VALUES = 64 * 2 ** 20;
const isLarge = (graph: Graph): boolean => graph.nodes.reduce((s, n) => s + n.size, 0) > LARGE_GRAPH_VALUES;

/** A state input: the tensor fed to the next run, and (when updated) the one its new value lands in. */
interface StateSlot {
  current: OrtTensor;
  /** Preallocated fetch for the update; swapped with `current` after each run. */
  next?: OrtTensor;
  readonly output?: string;
}

/**
 * A graph lowered, whole, to one ONNX model and run by one InferenceSession. State lives in JS as
 * float32 tensors; each run feeds them with the batch, and ONNX Runtime writes every output and
 * every updated state value straight into tensors allocated at compile time (preallocated
 * fetches). After a run the two buffers of each updated state swap, so a training step copies
 * nothing in JS and allocates no arrays of its own.
 */
export class OnnxExecutable implements Executable<Float32Array> {
  readonly feedNames: readonly string[];
  /** The ONNX model the session runs (for inspection and debugging). */
  readonly modelBytes: Uint8Array;
  private readonly state = new Map<string, StateSlot>();
  private readonly feedDims = new Map<string, readonly number[]>();
  private readonly feedCache = new Map<string, { data: Float32Array; tensor: OrtTensor }>();
  private readonly outputs: { key: string; tensor: OrtTensor }[];
  private readonly fetches: Record<string, OrtTensor> = {};
  /** State stored in shared buffers: the packed small values, and each merged update group. */
  private readonly groups: PackedState[] = [];
  /** The packed outputs (the small-value group), if any. */
  private readonly packed?: PackedState;
  /** State fed as a view of a group's buffer (the merged parameters the forward pass reads). */
  private readonly viewFeeds: { name: string; group: PackedState }[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  /** What ONNX Runtime is fed each run: the caller's feeds, and state the host keeps (host/). */
  private readonly ortFeedNames: readonly string[];
  /** The extra outputs that carry the host step's leaves (dropped from what `run` returns). */
  private readonly hostKeys: ReadonlySet<string>;

  private constructor(
    readonly graph: Graph,
    private readonly session: OrtSession,
    modelBytes: Uint8Array,
    feedNames: readonly string[],
    inner: {
      graph: Graph;
      state: Readonly<Record<string, Float32Array>>;
      plan: ReturnType<typeof planInputs>;
    },
    lowered: ReturnType<typeof lowerGraph>,
    private readonly host?: HostUpdates,
  ) {
    this.modelBytes = modelBytes;
    this.feedNames = feedNames;
    const { state } = inner;
    const { stateNames } = inner.plan;
    this.ortFeedNames = inner.plan.feedNames;
    this.hostKeys = new Set(host?.plan.leafKeys.values() ?? []);
    for (const name of this.ortFeedNames) this.feedDims.set(name, inner.graph.inputs.get(name)!.shape);
    const dimsOf = (name: string) => inner.graph.inputs.get(name)!.shape;
    if (lowered.packed) {
      this.packed = new PackedState(lowered.packed, state, dimsOf);
      this.groups.push(this.packed);
    }
    for (const m of lowered.merged ?? []) {
      const layout = {
        input: m.input,
        inputSize: m.size,
        output: m.output,
        outputSize: m.size,
        state: m.entries,
        outputs: [],
      };
      // One buffer, written in place, when every read of the old values comes first (in-place.ts).
      const inPlace = canUpdateInPlace(
        inner.graph,
        m.entries.map((e) => e.name),
      );
      const group = new PackedState(layout, state, dimsOf, inPlace);
      this.groups.push(group);
      for (const e of m.entries) if (e.fed) this.viewFeeds.push({ name: e.name, group });
    }
    for (const name of stateNames) {
      if (this.groups.some((g) => g.state(name))) continue;
      const dims = inner.graph.inputs.get(name)!.shape;
      const output = lowered.updates[name];
      const slot: StateSlot = { current: tensor(Float32Array.from(state[name]), dims), output };
      if (output) {
        slot.next = tensor(new Float32Array(slot.current.size), dims);
        this.fetches[output] = slot.next;
      }
      this.state.set(name, slot);
    }
    const hostViews = host?.outputViews() ?? {};
    this.outputs = Object.entries(inner.graph.outputs).flatMap(([key, n]) => {
      if (!(key in lowered.outputs)) return []; // packed
      const t = tensor(hostViews[key] ?? new Float32Array(n.size), n.shape);
      this.fetches[lowered.outputs[key]] = t;
      return [{ key, tensor: t }];
    });
  }

  static async create(
    graph: Graph,
    state: Readonly<Record<string, Float32Array>>,
    cfg: OnnxCompileConfig,
  ): Promise<OnnxExecutable> {
    const plan = planInputs(graph, state); // checked before the (costly) lowering
    const split = hostPlan(graph, state, cfg);
    const host = split && HostUpdates.create(split, state);
    const ortGraph = host ? host.plan.graph : graph;
    const ortState = host ? host.plan.state : state;
    const ortPlan = host ? planInputs(ortGraph, ortState) : plan;
    const pack = packChoice(ortGraph, ortPlan.stateNames);
    const lowered = lowerGraph(ortGraph, {
      opset: cfg.opset,
      graphName: 'saekit_graph',
      pack,
      mergeUpdates: true,
    });
    const bytes = encodeModelProto(
      buildModel(lowered, { docString: 'A saekit graph compiled by @saekit/backend-onnx.' }),
    );
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(
        bytes,
        sessionOptions({ memoryPattern: !isLarge(ortGraph), ...cfg }),
      );
    } catch (e) {
      if ((e as Error).name === 'WebGpuUnavailableError') throw e; // the browser's lack, not the graph's
      throw new Error(
        `onnx backend: onnxruntime refused the lowered graph (opset ${lowered.opset}): ${ortMessage(e)}`,
        { cause: e },
      );
    }
    return new OnnxExecutable(
      graph,
      session,
      bytes,
      plan.feedNames,
      { graph: ortGraph, state: ortState, plan: ortPlan },
      lowered,
      host,
    );
  }

  run(feeds: Readonly<Record<string, Float32Array>>): Promise<Record<string, Float32Array>> {
    // Runs are serialized: each one swaps the state buffers the next one feeds.
    const p = this.queue.then(() => this.runNow(feeds));
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async runNow(feeds: Readonly<Record<string, Float32Array>>): Promise<Record<string, Float32Array>> {
    if (this.disposed) throw new Error('run: executable was disposed');
    checkFeeds(this.graph, this.feedNames, feeds);
    const inputs: Record<string, OrtTensor> = {};
    for (const name of this.ortFeedNames)
      inputs[name] = this.host?.owns(name) ? this.hostTensor(name) : this.feedTensor(name, feeds[name]);
    for (const [name, slot] of this.state) inputs[name] = slot.current;
    for (const g of this.groups) {
      if (g.layout.input) inputs[g.layout.input] = g.feedTensor;
      this.fetches[g.layout.output] = g.fetchTensor;
    }
    for (const v of this.viewFeeds) inputs[v.name] = v.group.stateTensor(v.name)!;
    try {
      releaseCopies(await this.session.run(inputs, this.fetches), this.fetches);
    } catch (e) {
      throw new Error(`run: onnxruntime failed: ${ortMessage(e)}`, { cause: e });
    }
    // Every update was computed from the old state before any is applied: swap the buffers.
    for (const slot of this.state.values()) {
      if (!slot.next || !slot.output) continue;
      const done = slot.next;
      slot.next = slot.current;
      slot.current = done;
      this.fetches[slot.output] = slot.next;
    }
    for (const g of this.groups) g.swap();
    const out: Record<string, Float32Array> = this.packed ? { ...this.packed.outputs() } : {};
    for (const o of this.outputs) out[o.key] = o.tensor.data as Float32Array;
    if (!this.host) return out;
    this.host.apply(out);
    for (const k of this.hostKeys) delete out[k];
    return out;
  }

  /** State the host keeps, fed to ONNX Runtime as a view of the host's memory (made once). */
  private hostTensor(name: string): OrtTensor {
    const hit = this.feedCache.get(name);
    if (hit) return hit.tensor;
    const data = this.host!.view(name);
    const t = tensor(data, this.feedDims.get(name)!);
    this.feedCache.set(name, { data, tensor: t });
    return t;
  }

  /** The caller's array wrapped as a tensor (no copy); the wrapper is reused while the array is. */
  private feedTensor(name: string, v: Float32Array): OrtTensor {
    if (!(v instanceof Float32Array)) {
      throw new TypeError(
        `run: feed "${name}" is a ${(v as object).constructor.name}; the onnx backend takes Float32Array`,
      );
    }
    const hit = this.feedCache.get(name);
    if (hit && hit.data === v) return hit.tensor;
    const t = tensor(v, this.feedDims.get(name)!);
    this.feedCache.set(name, { data: v, tensor: t });
    return t;
  }

  async readState(name: string): Promise<Float32Array> {
    await this.queue;
    return Float32Array.from(this.stateData(name));
  }

  /** Replaces a state value; call it between runs (after awaiting the last one), as with every backend. */
  writeState(name: string, value: Float32Array): void {
    const data = this.stateData(name);
    if (value.length !== data.length)
      throw new Error(`writeState: "${name}" has ${data.length} values, got ${value.length}`);
    data.set(value);
  }

  /** The current value of a state input, packed or not (the buffer runs read, not a copy). */
  private stateData(name: string): Float32Array {
    if (this.disposed) throw new Error(`state "${name}": executable was disposed`);
    if (this.host?.owns(name)) return this.host.view(name);
    const data =
      this.groups.map((g) => g.state(name)).find((d) => d !== undefined) ??
      (this.state.get(name)?.current.data as Float32Array | undefined);
    if (!data) {
      const names = [
        ...this.groups.flatMap((g) => g.layout.state.map((e) => e.name)),
        ...this.state.keys(),
        ...(this.host?.plan.cones.flatMap((c) => c.states) ?? []),
      ];
      throw new Error(
        `state "${name}" is not state of this executable (state: ${names.join(', ') || 'none'})`,
      );
    }
    return data;
  }

  /** Ends ONNX Runtime's profile (the `profile` option) after the last run, writing its file. */
  async endProfiling(): Promise<void> {
    await this.queue;
    if (this.disposed) throw new Error('endProfiling: executable was disposed');
    await this.session.endProfiling();
  }

  /** The state the optimizer's step updates on the host, not in ONNX Runtime (see `hostUpdates`). */
  get hostUpdated(): readonly string[] {
    return this.host?.plan.cones.flatMap((c) => c.states) ?? [];
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.state.clear();
    this.feedCache.clear();
    const session = this.session;
    void this.queue.then(() => session.release()).catch(() => undefined);
  }
}
