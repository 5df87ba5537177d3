import {
  checkFeeds,
  type Executable,
  formatShape,
  type Graph,
  isBinaryOp,
  isUnaryOp,
  type Node,
  planInputs,
  UnsupportedOpError,
} from '@saekit/core';
import * as tf from '@tensorflow/tfjs-core';
import { activate } from './engine.js';
import {
  binaryOp,
  broadcastToOp,
  constTensor,
  type EngineTraits,
  kthLargestOp,
  matmulOp,
  reshapeOp,
  sumOp,
  transposeOp,
  unaryOp,
  whereOp,
} from './ops.js';
import { sparseOp } from './sparse-ops.js';

/** One compiled node: reads earlier values by index, returns its own tensor. */
type Step = (v: tf.Tensor[]) => tf.Tensor;

/**
 * A graph compiled to a list of closures over tfjs-core ops, built once by walking `graph.nodes`.
 *
 * A run activates the engine, then, synchronously and inside one `tf.tidy`, turns the feeds into
 * tensors, runs every closure in order and keeps only the outputs and updates; the updates then
 * replace the state tensors (the replaced ones are disposed) and the outputs are read back as
 * Float32Array and disposed. So the number of live tensors is the same after every run: state
 * and constants only.
 */
export class TfjsExecutable implements Executable<Float32Array> {
  readonly feedNames: readonly string[];
  private readonly steps: [index: number, step: Step][] = [];
  private readonly consts: [index: number, t: tf.Tensor][] = [];
  private readonly state = new Map<string, tf.Tensor>();
  private readonly stateSlots: [index: number, name: string][] = [];
  private readonly feedSlots: [index: number, name: string, shape: number[]][] = [];
  private readonly outputs: [name: string, index: number][];
  private readonly updates: [name: string, index: number][];
  /** Values of one run, by node index; cleared after each run so no tensor is held. */
  private readonly values: tf.Tensor[];
  private checked = false;
  private disposed = false;

  constructor(
    readonly graph: Graph,
    private readonly engine: string,
    private readonly backendName: string,
    traits: EngineTraits,
    state: Readonly<Record<string, Float32Array>> = {},
  ) {
    const { stateNames, feedNames } = planInputs(graph, state);
    this.feedNames = feedNames;
    const index = new Map<Node, number>(graph.nodes.map((n, i) => [n, i]));
    this.values = new Array<tf.Tensor>(graph.nodes.length);
    // Closures first: an unsupported op throws before any tensor exists.
    graph.nodes.forEach((n, i) => {
      const op = n.op;
      if (op.kind === 'input') {
        if (op.name in state) this.stateSlots.push([i, op.name]);
        else this.feedSlots.push([i, op.name, [...n.shape]]);
      } else if (op.kind !== 'const') this.steps.push([i, this.stepFor(n, index, traits)]);
    });
    try {
      graph.nodes.forEach((n, i) => {
        if (n.op.kind === 'const') this.consts.push([i, constTensor(n.op.value, n.shape)]);
      });
      for (const name of stateNames) this.state.set(name, this.stateTensor(name, state[name]));
    } catch (e) {
      this.dispose();
      throw e;
    }
    this.outputs = Object.entries(graph.outputs).map(([name, n]) => [name, index.get(n)!]);
    this.updates = Object.entries(graph.updates).map(([name, n]) => [name, index.get(n)!]);
  }

  private stepFor(n: Node, index: ReadonlyMap<Node, number>, traits: EngineTraits): Step {
    const [a, b, c] = n.inputs.map((x) => index.get(x)!);
    const op = n.op;
    if (isUnaryOp(op)) {
      const f = unaryOp(op.kind, traits);
      return (v) => f(v[a]);
    }
    if (isBinaryOp(op)) {
      const f = binaryOp(op.kind, n.shape, traits);
      return (v) => f(v[a], v[b]);
    }
    switch (op.kind) {
      case 'where': {
        const f = whereOp(n.shape, traits);
        return (v) => f(v[a], v[b], v[c]);
      }
      case 'matmul': {
        const f = matmulOp(op.transA, op.transB, traits);
        return (v) => f(v[a], v[b]);
      }
      case 'sum': {
        const f = sumOp(op.axes, op.keepDims);
        return (v) => f(v[a]);
      }
      case 'reshape': {
        const f = reshapeOp(n.shape);
        return (v) => f(v[a]);
      }
      case 'transpose': {
        const f = transposeOp(op.perm);
        return (v) => f(v[a]);
      }
      case 'broadcastTo': {
        const f = broadcastToOp(n.shape, traits);
        return (v) => f(v[a]);
      }
      case 'kthLargest': {
        const f = kthLargestOp(n.inputs[0].shape, op.k);
        return (v) => f(v[a]);
      }
      case 'topkIndices':
      case 'gatherLast':
      case 'scatterAddLast':
      case 'sparseMatmul':
      case 'sparseDot':
      case 'sparseOuter':
      case 'cooMatmul':
      case 'cooDot': {
        const f = sparseOp(n, op);
        const ins = n.inputs.map((x) => index.get(x)!);
        return (v) => f(ins.map((i) => v[i]));
      }
      default:
        // input and const have no step; anything else is an op this backend does not know.
        throw new UnsupportedOpError(this.backendName, (op as { kind: string }).kind as never);
    }
  }

  /** A state tensor owning a copy of `value` (tfjs-backend-cpu would otherwise alias the array). */
  private stateTensor(name: string, value: Float32Array): tf.Tensor {
    const shape = [...this.graph.inputs.get(name)!.shape];
    return tf.tensor(Float32Array.from(value), shape, 'float32');
  }

  async run(feeds: Readonly<Record<string, Float32Array>>): Promise<Record<string, Float32Array>> {
    if (this.disposed) throw new Error('run: executable was disposed');
    checkFeeds(this.graph, this.feedNames, feeds);
    for (const [, name] of this.feedSlots) {
      const v: ArrayLike<number> = feeds[name];
      if (!(v instanceof Float32Array))
        throw new TypeError(
          `run: feed "${name}" is a ${v.constructor.name}; this backend takes Float32Array`,
        );
    }
    for (let wait = activate(this.engine); wait; wait = activate(this.engine)) await wait;
    // From here to the reads, all is synchronous: no other run can switch the engine or the state.
    const feedData = new Map<object, Float32Array>();
    const v = this.values;
    let outs: tf.Tensor[];
    let ups: tf.Tensor[];
    try {
      [outs, ups] = tf.tidy(() => {
        for (const [i, name, shape] of this.feedSlots) {
          v[i] = tf.tensor(feeds[name], shape, 'float32');
          feedData.set(v[i].dataId, feeds[name]);
        }
        for (const [i, name] of this.stateSlots) v[i] = this.state.get(name)!;
        for (const [i, t] of this.consts) v[i] = t;
        const nodes = this.graph.nodes;
        for (const [i, step] of this.steps) {
          v[i] = step(v);
          if (!this.checked) this.check(nodes[i], v[i]);
        }
        return [this.outputs.map(([, i]) => v[i]), this.updates.map(([, i]) => v[i])];
      });
    } finally {
      v.fill(undefined as unknown as tf.Tensor); // hold no tensor between runs
    }
    this.checked = true;

    // Start reading the outputs now: cpu and wasm copy (or capture) the values at this call, and
    // webgl defers disposing a tensor with a pending read.
    const reads = outs.map((t) => t.data() as Promise<Float32Array>);
    const replaced = [...this.state.values()];
    const release: tf.Tensor[] = [...outs];
    this.updates.forEach(([name], j) => {
      let t = ups[j];
      const fed = feedData.get(t.dataId);
      if (fed) {
        // The update is a feed (or a reshape of one): own a copy, the caller reuses its array.
        release.push(t);
        t = this.stateTensor(name, fed);
      }
      this.state.set(name, t);
    });
    const live = this.liveTensors();
    const liveData = new Set<object>([...live].map((t) => t.dataId));
    for (const t of new Set([...replaced, ...release])) if (!live.has(t)) t.dispose();

    const values = await Promise.all(reads);
    const out: Record<string, Float32Array> = {};
    this.outputs.forEach(([name], j) => {
      // Never hand out an array that backs state, a constant or a feed (cpu reads alias them).
      const d = outs[j].dataId;
      out[name] = liveData.has(d) || feedData.has(d) ? values[j].slice() : values[j];
    });
    return out;
  }

  /** The first run checks every value's shape and dtype against the graph's. */
  private check(n: Node, t: tf.Tensor): void {
    const same = t.shape.length === n.shape.length && t.shape.every((d, k) => d === n.shape[k]);
    if (!same || t.dtype !== 'float32') {
      throw new Error(
        `${this.backendName}: ${n} computed a ${t.dtype} tensor of shape ${formatShape(t.shape)}, expected float32 ${formatShape(n.shape)}`,
      );
    }
  }

  private liveTensors(): Set<tf.Tensor> {
    return new Set([...this.state.values(), ...this.consts.map(([, t]) => t)]);
  }

  async readState(name: string): Promise<Float32Array> {
    const t = this.stateOf(name);
    const data = (await t.data()) as Float32Array;
    return data.slice(); // cpu hands out its own buffer
  }

  writeState(name: string, value: Float32Array): void {
    const old = this.stateOf(name);
    if (value.length !== old.size)
      throw new Error(`writeState: "${name}" has ${old.size} values, got ${value.length}`);
    // Created on whichever engine is active; tfjs moves it to ours on first use if they differ.
    void activate(this.engine)?.catch(() => {});
    this.state.set(name, this.stateTensor(name, value));
    if (!this.liveTensors().has(old)) old.dispose();
  }

  private stateOf(name: string): tf.Tensor {
    if (this.disposed) throw new Error(`state "${name}": executable was disposed`);
    const t = this.state.get(name);
    if (!t)
      throw new Error(
        `state "${name}" is not state of this executable (state: ${[...this.state.keys()].join(', ') || 'none'})`,
      );
    return t;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const t of this.liveTensors()) if (!t.isDisposed) t.dispose();
    this.state.clear();
    this.consts.length = 0;
    this.steps.length = 0;
  }
}
