import {
  checkFeeds,
  type Executable,
  type FloatArray,
  type Graph,
  type Node,
  planInputs,
} from '@saekit/core';
import type { ThreadPool } from './parallel/pool.js';
import { planSteps } from './passes.js';
import { type BufferPlan, planBuffers } from './plan.js';
import { type CompileContext, type Phase, RULES } from './rules.js';
import { type Step, stepReads } from './steps.js';

/** Allocates the backend's arrays; the only place that does, so allocations can be counted. */
export interface ArrayFactory<T extends FloatArray> {
  readonly dtype: 'float32' | 'float64';
  alloc(n: number): T;
  /** Counts an allocation made elsewhere (the shared arena). */
  count?(): void;
  is(x: FloatArray): x is T;
}

/**
 * Interprets a graph over typed arrays. Everything is decided at compile time: the list of steps
 * (passes.ts), the buffer plan, one compiled phase per step or two (rules.ts), the feed and state
 * slots. A run binds the feeds, runs the phases in order and copies the state updates: it
 * allocates no arrays.
 */
export class CpuExecutable<T extends FloatArray> implements Executable<T> {
  readonly feedNames: readonly string[];
  /** The planned steps, in run order (what `profileSync` reports, one or two phases each). */
  readonly steps: readonly Step[];
  private readonly bufs: T[];
  private readonly plan: BufferPlan;
  private readonly phases: Phase[] = [];
  private readonly runs: (() => void)[];
  private readonly stateSlots = new Map<string, number>();
  private readonly feedSlots: [string, number][] = [];
  private readonly updates: [number, number][] = [];
  private readonly outputs: [string, number][];
  /** Outputs that are state the run updates: copied out before the update, so they show the old value. */
  private readonly stateOutputs: [string, number, T][] = [];
  private readonly pool?: ThreadPool;
  /** Feeds that split steps read: copied into shared staging buffers each run. */
  private readonly stagedFeeds = new Set<number>();
  /** Buffers on the pool's shared memory, freed on dispose. */
  private readonly shared: FloatArray[] = [];
  private disposed = false;
  /** Whether any phase runs on the pool (each split phase has a release). */
  private readonly usesPool: boolean;

  constructor(
    readonly graph: Graph,
    private readonly arrays: ArrayFactory<T>,
    state: Readonly<Record<string, T>> = {},
    options: { fuse?: boolean; pool?: ThreadPool } = {},
  ) {
    const pool = options.pool;
    this.pool = pool;
    const fuse = options.fuse ?? true;
    const fastMath = arrays.dtype === 'float32';
    const { stateNames, feedNames } = planInputs(graph, state);
    this.feedNames = feedNames;
    this.steps = planSteps(graph, { fuse, fastMath, threads: pool?.threads ?? 1 });
    this.plan = planBuffers(graph, new Set(stateNames), this.steps, fuse);
    const { slotSize, slotKind } = this.plan;
    // Feed slots start empty-sized and are bound to the caller's arrays on each run, except feeds
    // that worker threads read, which are copied into shared buffers.
    for (const s of this.steps) {
      if (!('split' in s) || !s.split) continue;
      for (const i of stepReads(s)) if (slotKind[this.slot(i)] === 'feed') this.stagedFeeds.add(this.slot(i));
    }
    this.bufs = slotSize.map((n, i) => {
      if (slotKind[i] === 'feed' && !this.stagedFeeds.has(i)) return arrays.alloc(0);
      return pool ? this.allocShared(n) : arrays.alloc(n);
    });
    for (const n of graph.nodes) {
      if (n.op.kind === 'const') this.bufs[this.slot(n)].set(n.op.value);
    }
    const ctx: CompileContext = {
      bufs: this.bufs,
      slot: (n) => this.slot(n),
      stable: (n) => slotKind[this.slot(n)] !== 'feed' || this.stagedFeeds.has(this.slot(n)),
      pool,
      threads: pool?.threads ?? 1,
      fastMath,
      scratch: (n, shared) => {
        if (!shared || !pool) return new Float64Array(n);
        const v = pool.alloc(n, 'float64') as Float64Array;
        this.shared.push(v);
        return v;
      },
    };
    for (const s of this.steps)
      this.phases.push(...(RULES[s.kind] as (s: Step, c: CompileContext) => Phase[])(s, ctx));
    this.runs = this.phases.map((p) => p.run);
    this.usesPool = this.phases.some((p) => p.release);
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
   * Runs the graph `runs` times like `runSync` (it trains, if the graph updates state) and returns
   * each step's mean milliseconds per run, in schedule order: where a run's time goes.
   */
  profileSync(feeds: Readonly<Record<string, T>>, runs: number): { step: string; ms: number }[] {
    const total = new Float64Array(this.runs.length);
    this.phases.forEach(({ run }, i) => {
      this.runs[i] = () => {
        const t0 = performance.now();
        run();
        total[i] += performance.now() - t0;
      };
    });
    try {
      for (let r = 0; r < runs; r++) this.runSync(feeds);
    } finally {
      this.phases.forEach(({ run }, i) => {
        this.runs[i] = run;
      });
    }
    return this.phases.map(({ label }, i) => ({ step: label, ms: total[i] / runs }));
  }

  async run(feeds: Readonly<Record<string, T>>): Promise<Record<string, T>> {
    return this.runSync(feeds);
  }

  /** The same as `run`, without the promise: the CPU backend never waits. */
  runSync(feeds: Readonly<Record<string, T>>): Record<string, T> {
    if (this.disposed) throw new Error('run: executable was disposed');
    checkFeeds(this.graph, this.feedNames, feeds);
    // Workers wake while the feeds are copied: the first split node then finds them spinning.
    if (this.usesPool) this.pool?.wake();
    for (const [name, slot] of this.feedSlots) {
      const v = feeds[name];
      if (!this.arrays.is(v))
        throw new TypeError(
          `run: feed "${name}" is a ${v.constructor.name}; this backend takes ${this.bufs[0].constructor.name}`,
        );
      if (this.stagedFeeds.has(slot)) this.bufs[slot].set(v);
      else this.bufs[slot] = v;
    }
    for (const run of this.runs) run();
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
      for (const p of this.phases) p.release?.();
      for (const v of this.shared) this.pool!.free(v);
      this.shared.length = 0;
    }
    this.disposed = true;
    this.bufs.length = 0;
  }
}
