import {
  checkFeeds,
  type Executable,
  type FloatArray,
  type Graph,
  type Node,
  planInputs,
} from '@saekit/core';
import { BINARY_EXPR, compileElementwise, IDENTITY_EXPR, UNARY_EXPR, WHERE_EXPR } from './kernels/elementwise.js';
import { compileKthLargest } from './kernels/kth-largest.js';
import { matmul } from './kernels/matmul.js';
import { compileSum } from './kernels/sum.js';
import { compileTranspose } from './kernels/transpose.js';
import { type BufferPlan, planBuffers } from './plan.js';

/** Allocates the backend's arrays; the only place that does, so allocations can be counted. */
export interface ArrayFactory<T extends FloatArray> {
  alloc(n: number): T;
  is(x: FloatArray): x is T;
}

type Step = () => void;

/**
 * Interprets a graph over typed arrays. Everything is decided at compile time: the buffer plan,
 * one closure per node with its kernel and shapes bound, the feed and state slots. A run binds
 * the feeds, calls the closures in order and copies the state updates: it allocates no arrays.
 */
export class CpuExecutable<T extends FloatArray> implements Executable<T> {
  readonly feedNames: readonly string[];
  private readonly bufs: T[];
  private readonly plan: BufferPlan;
  private readonly steps: Step[] = [];
  private readonly stateSlots = new Map<string, number>();
  private readonly feedSlots: [string, number][] = [];
  private readonly updates: [number, number][] = [];
  private readonly outputs: [string, number][];
  private disposed = false;

  constructor(
    readonly graph: Graph,
    private readonly arrays: ArrayFactory<T>,
    state: Readonly<Record<string, T>> = {},
  ) {
    const { stateNames, feedNames } = planInputs(graph, state);
    this.feedNames = feedNames;
    this.plan = planBuffers(graph, new Set(stateNames));
    const { slotSize, slotKind } = this.plan;
    // Feed slots start empty-sized and are bound to the caller's arrays on each run.
    this.bufs = slotSize.map((n, i) => arrays.alloc(slotKind[i] === 'feed' ? 0 : n));
    for (const n of graph.nodes) this.compileNode(n);
    for (const name of stateNames) {
      const slot = this.slot(graph.inputs.get(name)!);
      this.stateSlots.set(name, slot);
      this.bufs[slot].set(state[name]);
    }
    for (const name of feedNames) this.feedSlots.push([name, this.slot(graph.inputs.get(name)!)]);
    for (const [name, u] of Object.entries(graph.updates)) this.updates.push([this.stateSlots.get(name)!, this.slot(u)]);
    this.outputs = Object.entries(graph.outputs).map(([name, n]) => [name, this.slot(n)]);
  }

  private slot(n: Node): number {
    return this.plan.slotOf.get(n)!;
  }

  private compileNode(n: Node): void {
    const b = this.bufs;
    const o = this.slot(n);
    const ins = n.inputs.map((i) => this.slot(i));
    const shapes = n.inputs.map((i) => i.shape);
    const op = n.op;
    switch (op.kind) {
      case 'input':
      case 'reshape':
        return;
      case 'const': {
        const buf = b[o];
        for (let i = 0; i < buf.length; i++) buf[i] = op.value[i];
        return;
      }
      case 'neg':
      case 'exp':
      case 'log':
      case 'sqrt':
      case 'abs':
      case 'sign':
      case 'relu':
      case 'sigmoid': {
        const k = compileElementwise(UNARY_EXPR[op.kind], n.shape, shapes);
        this.steps.push(() => k(b[o], b[ins[0]]));
        return;
      }
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
      case 'maximum':
      case 'greater':
      case 'greaterEqual': {
        const k = compileElementwise(BINARY_EXPR[op.kind], n.shape, shapes);
        this.steps.push(() => k(b[o], b[ins[0]], b[ins[1]]));
        return;
      }
      case 'where': {
        const k = compileElementwise(WHERE_EXPR, n.shape, shapes);
        this.steps.push(() => k(b[o], b[ins[0]], b[ins[1]], b[ins[2]]));
        return;
      }
      case 'broadcastTo': {
        const k = compileElementwise(IDENTITY_EXPR, n.shape, shapes);
        this.steps.push(() => k(b[o], b[ins[0]]));
        return;
      }
      case 'matmul': {
        const [m, nn] = n.shape;
        const a = n.inputs[0].shape;
        const kDim = op.transA ? a[0] : a[1];
        const { transA, transB } = op;
        this.steps.push(() => matmul(b[ins[0]], b[ins[1]], b[o], m, nn, kDim, transA, transB));
        return;
      }
      case 'sum': {
        const k = compileSum(shapes[0], op.axes);
        this.steps.push(() => k(b[ins[0]], b[o]));
        return;
      }
      case 'transpose': {
        const k = compileTranspose(shapes[0], op.perm);
        this.steps.push(() => k(b[ins[0]], b[o]));
        return;
      }
      case 'kthLargest': {
        const s = shapes[0];
        const len = s[s.length - 1];
        const k = compileKthLargest(n.size, len, op.k);
        this.steps.push(() => k(b[ins[0]], b[o]));
        return;
      }
      default: {
        const never: never = op;
        throw new Error(`cpu: no kernel for ${(never as { kind: string }).kind}`);
      }
    }
  }

  async run(feeds: Readonly<Record<string, T>>): Promise<Record<string, T>> {
    return this.runSync(feeds);
  }

  /** The same as `run`, without the promise: the CPU backend never waits. */
  runSync(feeds: Readonly<Record<string, T>>): Record<string, T> {
    if (this.disposed) throw new Error('run: executable was disposed');
    checkFeeds(this.graph, this.feedNames, feeds);
    for (const [name, slot] of this.feedSlots) {
      const v = feeds[name];
      if (!this.arrays.is(v)) throw new TypeError(`run: feed "${name}" is a ${v.constructor.name}; this backend takes ${this.bufs[0].constructor.name}`);
      this.bufs[slot] = v;
    }
    for (const s of this.steps) s();
    // All updates are computed before any is applied, so a step reads only old state.
    for (const [dst, src] of this.updates) if (dst !== src) this.bufs[dst].set(this.bufs[src]);
    const out: Record<string, T> = {};
    for (const [name, slot] of this.outputs) out[name] = this.bufs[slot];
    return out;
  }

  async readState(name: string): Promise<T> {
    const slot = this.stateSlot(name);
    const copy = this.arrays.alloc(this.bufs[slot].length);
    copy.set(this.bufs[slot]);
    return copy;
  }

  writeState(name: string, value: T): void {
    const slot = this.stateSlot(name);
    if (value.length !== this.bufs[slot].length) {
      throw new Error(`writeState: "${name}" has ${this.bufs[slot].length} values, got ${value.length}`);
    }
    this.bufs[slot].set(value);
  }

  private stateSlot(name: string): number {
    const slot = this.stateSlots.get(name);
    if (slot === undefined) throw new Error(`state "${name}" is not state of this executable (state: ${[...this.stateSlots.keys()].join(', ') || 'none'})`);
    return slot;
  }

  dispose(): void {
    this.disposed = true;
    this.bufs.length = 0;
  }
}
