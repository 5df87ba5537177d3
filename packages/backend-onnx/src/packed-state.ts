import type { PackedLayout } from './lower/pack.js';
import { type OrtTensor, ort } from './ort.js';

/**
 * The two buffers of a packed layout (lower/pack.ts) or of a merged update group's state
 * (lower/merge.ts: state only, no outputs). A run feeds the state prefix of the current buffer and
 * fetches into the other one; the state comes first in the output, so after the swap the buffer
 * just written holds the new state (the next run's feed) and the packed outputs. A state that the
 * graph also reads on its own is fed as a view of its part. Nothing is copied, and every tensor
 * and view is made once.
 */
export class PackedState {
  private readonly feeds: readonly OrtTensor[];
  private readonly fetches: readonly OrtTensor[];
  private readonly views: readonly Map<string, Float32Array>[];
  private readonly outputViews: readonly Record<string, Float32Array>[];
  private readonly viewTensors: readonly Map<string, OrtTensor>[];
  private cur = 0;

  /**
   * `dims`: the shape of each state value, for the views fed on their own. `inPlace`: one buffer,
   * fed and fetched, for a merged update group (see OnnxExecutable): half the memory of the state.
   */
  constructor(
    readonly layout: PackedLayout,
    initial: Readonly<Record<string, Float32Array>>,
    dims: (name: string) => readonly number[],
    inPlace = false,
  ) {
    const first = new Float32Array(layout.outputSize);
    const bufs = [first, inPlace ? first : new Float32Array(layout.outputSize)];
    this.feeds = bufs.map(
      (b) => new ort.Tensor('float32', b.subarray(0, layout.inputSize), [layout.inputSize]),
    );
    this.fetches = bufs.map((b) => new ort.Tensor('float32', b, [layout.outputSize]));
    const view = (b: Float32Array, e: { offset: number; size: number }) =>
      b.subarray(e.offset, e.offset + e.size);
    this.views = bufs.map((b) => new Map(layout.state.map((e) => [e.name, view(b, e)])));
    this.outputViews = bufs.map((b) => Object.fromEntries(layout.outputs.map((e) => [e.name, view(b, e)])));
    this.viewTensors = this.views.map(
      (m) => new Map([...m].map(([name, v]) => [name, new ort.Tensor('float32', v, dims(name))])),
    );
    for (const e of layout.state) this.state(e.name)!.set(initial[e.name]);
  }

  /** A state value's current part as a tensor of its own shape (for ops that read it alone). */
  stateTensor(name: string): OrtTensor | undefined {
    return this.viewTensors[this.cur].get(name);
  }

  /** The tensor to feed as the packed state input (`layout.input`; unused when only outputs are packed). */
  get feedTensor(): OrtTensor {
    return this.feeds[this.cur];
  }

  /** The tensor this run writes the packed output (`layout.output`) into. */
  get fetchTensor(): OrtTensor {
    return this.fetches[1 - this.cur];
  }

  /** After a run: the buffer just written becomes the current one. */
  swap(): void {
    this.cur = 1 - this.cur;
  }

  /** The current value of a packed state input (a view, written in place by writeState). */
  state(name: string): Float32Array | undefined {
    return this.views[this.cur].get(name);
  }

  /** The packed outputs of the last run, as views. */
  outputs(): Readonly<Record<string, Float32Array>> {
    return this.outputViews[this.cur];
  }
}
