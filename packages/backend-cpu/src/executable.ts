import {
  checkFeeds,
  type Executable,
  type FloatArray,
  type Graph,
  isElementwiseOp,
  type Node,
  planInputs,
} from '@saekit/core';
import { type FusedKernel, planFusion } from './fuse.js';
import { type LoopGroup, loopOutputs, planGroups } from './groups.js';
import { compileElementwise } from './kernels/elementwise.js';
import { compileKthLargest } from './kernels/kth-largest.js';
import { maskedMatmul } from './kernels/masked-matmul.js';
import { maskedPairHalves, sumPartials } from './kernels/masked-pair.js';
import { matmulAuto } from './kernels/matmul-auto.js';
import { compileSum } from './kernels/sum.js';
import { compileTranspose } from './kernels/transpose.js';
import { type MaskedProduct, planMaskedPairs, planMaskedProducts } from './masked.js';
import type { PlannedTask, ThreadPool } from './parallel/pool.js';
import { type BufferPlan, type PlanStep, planBuffers } from './plan.js';
import { schedule } from './schedule.js';

/** Allocates the backend's arrays; the only place that does, so allocations can be counted. */
export interface ArrayFactory<T extends FloatArray> {
  readonly dtype: 'float32' | 'float64';
  alloc(n: number): T;
  /** Counts an allocation made elsewhere (the shared arena). */
  count?(): void;
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
  /** What each step computes, for `profileSync`. */
  private readonly labels: string[] = [];
  private readonly stateSlots = new Map<string, number>();
  private readonly feedSlots: [string, number][] = [];
  private readonly updates: [number, number][] = [];
  private readonly outputs: [string, number][];
  /** Outputs that are state the run updates: copied out before the update, so they show the old value. */
  private readonly stateOutputs: [string, number, T][] = [];
  private readonly kernels: Map<Node, FusedKernel>;
  /** Products computed only where their consumer keeps them (float32 only: masked.ts). */
  private readonly masked: Map<Node, MaskedProduct>;
  /** Masked products computed together with a product over the same operand (masked.ts planMaskedPairs). */
  private readonly pairs: Map<Node, Node>;
  /** The partners in `pairs`: computed at their masked product's place, not their own. */
  private readonly pairedAway: Set<Node>;
  /** Each kernel root's loop group, and each row sum taken inside one (groups.ts). */
  private readonly groupOf = new Map<Node, LoopGroup>();
  private readonly pool?: ThreadPool;
  /** Feeds that split steps read: copied into shared staging buffers each run. */
  private readonly stagedFeeds = new Set<number>();
  private readonly releases: (() => void)[] = [];
  /** Buffers on the pool's shared memory, freed on dispose (a masked pair's float64 partials too). */
  private readonly shared: FloatArray[] = [];
  private disposed = false;
  /** Fusion, loop groups and in-place state updates; off, every op runs as written (the plain interpreter). */
  private readonly fuse: boolean;
  /** float32 runs exp as kernels/exp.ts's fastExp; the float64 reference keeps Math.exp. */
  private readonly fastMath: boolean;

  constructor(
    readonly graph: Graph,
    private readonly arrays: ArrayFactory<T>,
    state: Readonly<Record<string, T>> = {},
    options: { fuse?: boolean; pool?: ThreadPool } = {},
  ) {
    this.pool = options.pool;
    this.fastMath = arrays.dtype === 'float32';
    const { stateNames, feedNames } = planInputs(graph, state);
    this.feedNames = feedNames;
    // fuse: false runs every op as written, in graph order (the plain interpreter tests compare with).
    const fuse = options.fuse ?? true;
    this.fuse = fuse;
    const { fused, kernels } = planFusion(graph, fuse);
    const order = fuse ? schedule(graph) : graph.nodes;
    this.kernels = kernels;
    this.masked = this.fastMath && fuse ? planMaskedProducts(graph, order, fused, kernels) : new Map();
    this.pairs = planMaskedPairs(graph, order, this.masked, fused, this.pool?.threads ?? 1);
    this.pairedAway = new Set(this.pairs.values());
    for (const g of planGroups(graph, order, kernels, fused, (n) => this.operandsOf(n), fuse))
      for (const m of [...g.members, ...g.rowSums]) this.groupOf.set(m, g);
    this.plan = planBuffers(graph, order, new Set(stateNames), (n) => this.stepAt(n, fused));
    const { slotSize, slotKind } = this.plan;
    // Feed slots start empty-sized and are bound to the caller's arrays on each run, except feeds
    // that worker threads read, which are copied into shared buffers.
    const shared = Boolean(this.pool);
    if (this.pool) {
      for (const n of order) {
        const step = this.stepAt(n, fused);
        if (!step || !this.splits(n)) continue;
        for (const i of step.reads) if (slotKind[this.slot(i)] === 'feed') this.stagedFeeds.add(this.slot(i));
      }
    }
    this.bufs = slotSize.map((n, i) => {
      if (slotKind[i] === 'feed' && !this.stagedFeeds.has(i)) return arrays.alloc(0);
      return shared ? this.allocShared(n) : arrays.alloc(n);
    });
    for (const n of order) {
      const before = this.steps.length;
      const g = this.groupOf.get(n);
      if (g) {
        if (g.members[0] === n) this.compileGroup(g);
      } else if (!fused.has(n) && !this.pairedAway.has(n)) this.compileNode(n);
      const added = this.steps.length - before;
      if (added > 0) this.labels.push(this.describe(n, g));
      if (added > 1) this.labels.push(this.describePairSum(n));
    }
    for (const name of stateNames) {
      const slot = this.slot(graph.inputs.get(name)!);
      this.stateSlots.set(name, slot);
      this.bufs[slot].set(state[name]);
    }
    for (const name of feedNames) this.feedSlots.push([name, this.slot(graph.inputs.get(name)!)]);
    for (const [name, u] of Object.entries(graph.updates))
      this.updates.push([this.stateSlots.get(name)!, this.slot(u)]);
    this.outputs = Object.entries(graph.outputs).map(([name, n]) => [name, this.slot(n)]);
    const updated = new Set(this.updates.map(([dst]) => dst));
    for (const [name, slot] of this.outputs) {
      if (updated.has(slot)) this.stateOutputs.push([name, slot, arrays.alloc(slotSize[slot])]);
    }
  }

  private slot(n: Node): number {
    return this.plan.slotOf.get(n)!;
  }

  /**
   * What a compiled node reads: a fused kernel's leaves, a masked product's mask too (and its
   * partner's other operand), else its inputs.
   */
  private operandsOf(n: Node): readonly Node[] {
    const mask = this.masked.get(n);
    const partner = this.pairs.get(n);
    if (mask && partner) return [...n.inputs, mask.p, partner.inputs[0]];
    if (mask) return [...n.inputs, mask.p];
    return this.kernels.get(n)?.leaves ?? n.inputs;
  }

  /** The step that runs at n's place: its group's loop (at the first member), its own, or none. */
  private stepAt(n: Node, fused: ReadonlySet<Node>): PlanStep | undefined {
    if (fused.has(n) || n.op.kind === 'input' || n.op.kind === 'const' || this.pairedAway.has(n))
      return undefined;
    const partner = this.pairs.get(n);
    if (partner) return { outputs: [n, partner], reads: this.operandsOf(n) };
    const g = this.groupOf.get(n);
    if (g)
      return g.members[0] === n
        ? { outputs: loopOutputs(g), reads: g.leaves, elementwise: this.fuse }
        : undefined;
    return { outputs: [n], reads: this.operandsOf(n) };
  }

  /** Whether the node runs split over the thread pool (a large matmul, elementwise loop or row/column sum). */
  private splits(n: Node): boolean {
    const pool = this.pool;
    if (!pool) return false;
    if (n.op.kind === 'matmul') {
      const a = n.inputs[0].shape;
      return pool.worthSplittingMatmul(n.shape[0], n.shape[1], n.op.transA ? a[0] : a[1]);
    }
    if (n.op.kind === 'sum') return pool.worthSplittingSum(n.inputs[0].size, n.inputs[0].shape, n.op.axes);
    const g = this.groupOf.get(n);
    if (!g) return false;
    const { outer } = compileElementwise(
      g,
      n.shape,
      g.leaves.map((l) => l.shape),
      this.fastMath,
    );
    return pool.worthSplittingElementwise(n.size, outer);
  }

  private compileNode(n: Node): void {
    const op = n.op;
    if (isElementwiseOp(op)) throw new Error(`cpu: elementwise ${op.kind} outside a loop group`);
    const b = this.bufs;
    const o = this.slot(n);
    const ins = n.inputs.map((i) => this.slot(i));
    const shapes = n.inputs.map((i) => i.shape);
    switch (op.kind) {
      case 'input':
      case 'reshape':
        return;
      case 'const': {
        const buf = b[o];
        for (let i = 0; i < buf.length; i++) buf[i] = op.value[i];
        return;
      }
      case 'matmul': {
        const [m, nn] = n.shape;
        const a = n.inputs[0].shape;
        const kDim = op.transA ? a[0] : a[1];
        const { transA, transB } = op;
        const mask = this.masked.get(n);
        const partner = this.pairs.get(n);
        if (mask && partner) this.compilePair(n, mask, partner);
        else if (mask) {
          const p = this.slot(mask.p);
          const t = mask.threshold;
          this.pushStep(
            n,
            (pool) => pool.planMaskedMatmul(b[ins[0]], b[ins[1]], b[p], t, b[o], m, nn, kDim),
            () => maskedMatmul(b[ins[0]], b[ins[1]], b[p], t, b[o], m, nn, kDim),
          );
        } else {
          this.pushStep(
            n,
            (pool) => pool.planMatmul(b[ins[0]], b[ins[1]], b[o], m, nn, kDim, transA, transB),
            () => matmulAuto(b[ins[0]], b[ins[1]], b[o], m, nn, kDim, transA, transB),
          );
        }
        return;
      }
      case 'sum': {
        const k = compileSum(shapes[0], op.axes);
        this.pushStep(
          n,
          (pool) => pool.planSum(shapes[0], op.axes, b[ins[0]], b[o]),
          () => k(b[ins[0]], b[o]),
        );
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

  /**
   * Adds n's step: split over the pool when `splits(n)` and the pool can plan it, else `here`
   * on this thread.
   */
  private pushStep(n: Node, plan: (pool: ThreadPool) => PlannedTask | undefined, here: Step): void {
    const planned = this.pool && this.splits(n) ? plan(this.pool) : undefined;
    if (planned) {
      this.releases.push(planned.release);
      this.steps.push(planned.run);
    } else this.steps.push(here);
  }

  /** A loop group (see groups.ts): one loop over its leaves, storing the members read elsewhere. */
  private compileGroup(g: LoopGroup): void {
    const b = this.bufs;
    const shape = g.members[0].shape;
    const shapes = g.leaves.map((l) => l.shape);
    const outs = loopOutputs(g);
    const slots = [...outs, ...g.leaves].map((n) => this.slot(n));
    const { fn: k, outer: end } = compileElementwise(g, shape, shapes, this.fastMath);
    // Unrolled by arity so the run loop makes no array of operands (feeds change buffers per run).
    const [s0, s1, s2, s3, s4] = slots;
    let here: Step;
    if (slots.length === 1) here = () => k(0, end, b[s0]);
    else if (slots.length === 2) here = () => k(0, end, b[s0], b[s1]);
    else if (slots.length === 3) here = () => k(0, end, b[s0], b[s1], b[s2]);
    else if (slots.length === 4) here = () => k(0, end, b[s0], b[s1], b[s2], b[s3]);
    else if (slots.length === 5) here = () => k(0, end, b[s0], b[s1], b[s2], b[s3], b[s4]);
    else {
      const args: (number | FloatArray)[] = [0, end];
      here = () => {
        for (let i = 0; i < slots.length; i++) args[i + 2] = b[slots[i]];
        k.apply(null, args as Parameters<typeof k>);
      };
    }
    this.pushStep(
      g.members[0],
      (pool) =>
        pool.planElementwise(
          g,
          shape,
          shapes,
          this.fastMath,
          outs.map((n) => b[this.slot(n)]),
          g.leaves.map((n) => b[this.slot(n)]),
        ),
      here,
    );
  }

  /**
   * A masked product m with its partner d = hᵀ·a (kernels/masked-pair.ts): two steps, the pass over
   * the rows (on two threads, one half each, when m splits) and the sum of the halves' partials.
   */
  private compilePair(m: Node, mask: MaskedProduct, d: Node): void {
    const b = this.bufs;
    const [rows, n] = m.shape;
    const k = m.inputs[0].shape[1];
    const [a, w, p, h, o1, o2] = [m.inputs[0], m.inputs[1], mask.p, d.inputs[0], m, d].map((x) =>
      this.slot(x),
    );
    const t = mask.threshold;
    const len = n * k;
    const f32 = (slot: number) => b[slot] as Float32Array; // the pair is float32-only (masked products are)
    if (this.pool && this.splits(m)) {
      const part = this.pool.alloc(2 * len, 'float64') as Float64Array;
      this.shared.push(part);
      const [halves, sums] = this.pool.planMaskedPair(
        f32(a),
        f32(w),
        f32(p),
        t,
        f32(h),
        f32(o1),
        part,
        f32(o2),
        rows,
        n,
        k,
      );
      this.releases.push(halves.release, sums.release);
      this.steps.push(halves.run, sums.run);
      return;
    }
    const part = new Float64Array(2 * len);
    this.steps.push(() => maskedPairHalves(b[a], b[w], b[p], t, b[h], b[o1], part, rows, n, k, 0, 2));
    this.steps.push(() => sumPartials(part, b[o2], len, 0, len));
  }

  /** The label of a masked pair's second step. */
  private describePairSum(m: Node): string {
    const d = this.pairs.get(m)!;
    return `sum of halves [${d.shape.join(',')}]${this.pool && this.splits(m) ? ' (2 threads)' : ''}`;
  }

  /** A step's label: its op (a group's ops joined by +), output shape, and how it runs. */
  private describe(n: Node, g: LoopGroup | undefined): string {
    const partner = this.pairs.get(n);
    if (partner) {
      const how = this.pool && this.splits(n) ? ', 2 threads' : '';
      return `matmul [${n.shape.join(',')}] + matmul [${partner.shape.join(',')}] (masked pair${how})`;
    }
    const what = g ? [...g.members, ...g.rowSums].map((m) => m.op.kind).join('+') : n.op.kind;
    const how = [this.masked.has(n) ? 'masked' : '', this.splits(n) ? `${this.pool!.threads} threads` : '']
      .filter(Boolean)
      .join(', ');
    return `${what} [${n.shape.join(',')}]${how ? ` (${how})` : ''}`;
  }

  /**
   * Runs the graph `runs` times like `runSync` (it trains, if the graph updates state) and returns
   * each step's mean milliseconds per run, in schedule order: where a run's time goes.
   */
  profileSync(feeds: Readonly<Record<string, T>>, runs: number): { step: string; ms: number }[] {
    const total = new Float64Array(this.steps.length);
    const plain = this.steps.slice();
    this.steps.forEach((s, i) => {
      this.steps[i] = () => {
        const t0 = performance.now();
        s();
        total[i] += performance.now() - t0;
      };
    });
    try {
      for (let r = 0; r < runs; r++) this.runSync(feeds);
    } finally {
      plain.forEach((s, i) => {
        this.steps[i] = s;
      });
    }
    return this.labels.map((step, i) => ({ step, ms: total[i] / runs }));
  }

  async run(feeds: Readonly<Record<string, T>>): Promise<Record<string, T>> {
    return this.runSync(feeds);
  }

  /** The same as `run`, without the promise: the CPU backend never waits. */
  runSync(feeds: Readonly<Record<string, T>>): Record<string, T> {
    if (this.disposed) throw new Error('run: executable was disposed');
    checkFeeds(this.graph, this.feedNames, feeds);
    // Workers wake while the feeds are copied: the first split node then finds them spinning.
    // (Every split step has a release: none means no step runs on the pool.)
    if (this.releases.length > 0) this.pool?.wake();
    for (const [name, slot] of this.feedSlots) {
      const v = feeds[name];
      if (!this.arrays.is(v))
        throw new TypeError(
          `run: feed "${name}" is a ${v.constructor.name}; this backend takes ${this.bufs[0].constructor.name}`,
        );
      if (this.stagedFeeds.has(slot)) this.bufs[slot].set(v);
      else this.bufs[slot] = v;
    }
    for (const s of this.steps) s();
    for (const [, slot, copy] of this.stateOutputs) copy.set(this.bufs[slot]);
    // All updates are computed before any is applied, so a step reads only old state (those the
    // plan wrote in place were written by the state's last reader: nothing to copy).
    for (const [dst, src] of this.updates) if (dst !== src) this.bufs[dst].set(this.bufs[src]);
    const out: Record<string, T> = {};
    for (const [name, slot] of this.outputs) out[name] = this.bufs[slot];
    for (const [name, , copy] of this.stateOutputs) out[name] = copy;
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
    if (slot === undefined)
      throw new Error(
        `state "${name}" is not state of this executable (state: ${[...this.stateSlots.keys()].join(', ') || 'none'})`,
      );
    return slot;
  }

  /** A buffer on the pool's shared memory (counted like every other allocation). */
  private allocShared(n: number): T {
    const v = this.pool!.alloc(n, this.arrays.dtype) as T;
    this.arrays.count?.();
    this.shared.push(v);
    return v;
  }

  dispose(): void {
    if (!this.disposed) {
      for (const r of this.releases) r();
      for (const v of this.shared) this.pool!.free(v);
      this.shared.length = 0;
    }
    this.disposed = true;
    this.bufs.length = 0;
  }
}
