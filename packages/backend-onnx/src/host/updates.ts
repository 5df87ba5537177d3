import type { Node } from '@saekit/core';
import type { HostPlan } from './plan.js';
import { compilePointwise } from './pointwise-kernel.js';
import { type WasmMemory, wasmApi } from './wasm-api.js';

const PAGE = 65536;
/** wasm32's whole address space, in pages. */
const MAX_PAGES = 65536;
/** Bytes of one SIMD vector: every buffer starts and ends on one. */
const VEC = 16;

/**
 * The host side of a plan (plan.ts): the state the cones update and the tensors ONNX Runtime hands
 * them, in one WebAssembly memory (ONNX Runtime reads and writes views of it: it takes plain
 * ArrayBuffers, not SharedArrayBuffers, so the loop runs on the calling thread), and a compiled
 * kernel per cone. Nothing is allocated per step.
 */
export class HostUpdates {
  private readonly memory: WasmMemory;
  private readonly offsets = new Map<string | Node, { offset: number; size: number }>();
  /** Per cone: its bound loop, the small leaves to copy in, the scalars' output keys and buffer. */
  private readonly steps: {
    readonly run: (scalars: ArrayLike<number>) => void;
    readonly copies: readonly (readonly [key: string, into: Float32Array])[];
    readonly scalarKeys: readonly string[];
    readonly scalars: Float64Array;
  }[];
  private readonly views = new Map<string | Node, Float32Array>();

  /** Undefined when the buffers do not fit in one WebAssembly memory (4 GiB). */
  static create(plan: HostPlan, state: Readonly<Record<string, Float32Array>>): HostUpdates | undefined {
    const regions: [string | Node, number][] = [];
    for (const c of plan.cones) {
      for (const s of c.states) regions.push([s, c.size]);
      for (const l of c.leaves) if (plan.leafKeys.has(l)) regions.push([l, c.size]);
    }
    let bytes = 0;
    for (const [, size] of regions) bytes += Math.ceil((size * 4) / VEC) * VEC;
    const pages = Math.ceil(bytes / PAGE) + 1;
    if (pages > MAX_PAGES || !wasmApi) return undefined;
    try {
      return new HostUpdates(plan, state, regions, pages);
    } catch (e) {
      // An engine without WebAssembly SIMD, or without room for the memory, keeps the step in ONNX
      // Runtime.
      if (e instanceof RangeError || (e instanceof Error && e.name === 'CompileError')) return undefined;
      throw e;
    }
  }

  private constructor(
    readonly plan: HostPlan,
    state: Readonly<Record<string, Float32Array>>,
    regions: readonly [string | Node, number][],
    pages: number,
  ) {
    this.memory = new wasmApi!.Memory({ initial: pages, maximum: pages });
    let offset = 0;
    for (const [key, size] of regions) {
      this.offsets.set(key, { offset, size });
      offset += Math.ceil((size * 4) / VEC) * VEC;
    }
    for (const c of plan.cones) for (const s of c.states) this.view(s).set(state[s]);
    const { leafKeys } = plan;
    this.steps = plan.cones.map((cone) => {
      // A leaf is state kept here, or an output ONNX Runtime writes here (small ones come packed).
      const home = (l: Node) => (l.op.kind === 'input' && this.owns(l.op.name) ? l.op.name : l);
      const run = compilePointwise(cone, this.memory).bind(
        cone.leaves.map((l) => this.offsets.get(home(l))!.offset),
        cone.states.map((s) => this.offsets.get(s)!.offset),
        Math.ceil((cone.size * 4) / VEC) * VEC,
      );
      const copies = cone.leaves
        .filter((l) => home(l) === l)
        .map((l) => [leafKeys.get(l)!, this.view(l)] as const);
      const scalarKeys = cone.scalars.map((s) => leafKeys.get(s)!);
      return { run, copies, scalarKeys, scalars: new Float64Array(scalarKeys.length) };
    });
  }

  /** Whether this state lives here. */
  owns(name: string): boolean {
    return this.offsets.has(name);
  }

  /** A state value, or a tensor leaf's buffer, as a view of the memory (no copy). */
  view(key: string | Node): Float32Array {
    let v = this.views.get(key);
    if (v) return v;
    const r = this.offsets.get(key);
    if (!r) throw new Error(`host updates: no buffer for ${String(key)}`);
    // The memory never grows, so its buffer (and every view of it) stays valid.
    v = new Float32Array(this.memory.buffer, r.offset, r.size);
    this.views.set(key, v);
    return v;
  }

  /** The extra outputs ONNX Runtime writes straight into the memory: output key -> view. */
  outputViews(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [node, key] of this.plan.leafKeys) if (this.offsets.has(node)) out[key] = this.view(node);
    return out;
  }

  /**
   * Runs every cone on one run's outputs (the leaves ONNX Runtime computed, by key): the state
   * here is updated in place.
   */
  apply(outputs: Readonly<Record<string, Float32Array>>): void {
    for (const { run, copies, scalarKeys, scalars } of this.steps) {
      // A small output may come packed with others rather than in its own buffer here.
      for (const [key, into] of copies) if (outputs[key] !== into) into.set(outputs[key]);
      for (let j = 0; j < scalarKeys.length; j++) scalars[j] = outputs[scalarKeys[j]][0];
      run(scalars);
    }
  }
}
