import type { Node } from '@saekit/core';
import { DynamicBatchError, isBatchDim, type SymShape } from './batch.js';
import type { GraphBuilder } from './builder.js';

/**
 * The int64 shape operands of Reshape and Expand: constants when fixed, computed from the batch
 * input's Shape at run time where they hold the batch.
 */
export class ShapeTensors {
  private batchDim?: string;

  constructor(
    private readonly b: GraphBuilder,
    private readonly shapes: ReadonlyMap<Node, SymShape>,
    /** The fed input whose leading dimension is B (with a dynamic batch). */
    private readonly batchSource: string | undefined,
  ) {}

  /** Reshape's int64 shape: fixed sizes, with -1 standing for the one axis that holds the batch. */
  reshapeTarget(n: Node): string {
    const s = this.shapes.get(n)!;
    const dims = s.map((d) => (isBatchDim(d) ? -1 : d));
    if (dims.filter((d) => d === -1).length > 1) return this.runtimeShape(s);
    if (dims.includes(0)) {
      // A literal 0 would mean "copy this axis" in Reshape; with no batch axis the shape is fixed.
      if (dims.includes(-1)) return this.runtimeShape(s);
      return this.b.int64Const(n.shape, 'shape');
    }
    return this.b.int64Const(dims, 'shape');
  }

  /**
   * Expand's int64 shape. Expand broadcasts both ways, so an axis where the operand already has
   * the batch can be written as 1; only an axis stretched from 1 to the batch needs B at run time.
   */
  expandTarget(n: Node): string {
    const s = this.shapes.get(n)!;
    const xs = this.shapes.get(n.inputs[0])!;
    const lead = s.length - xs.length;
    const dims = s.map((d, i) => (isBatchDim(d) && i >= lead && isBatchDim(xs[i - lead]) ? 1 : d));
    if (dims.every((d) => !isBatchDim(d))) return this.b.int64Const(dims as number[], 'shape');
    return this.runtimeShape(dims);
  }

  /** A 1-D int64 tensor of a symbolic shape, computed from the batch input's Shape at run time. */
  private runtimeShape(s: SymShape): string {
    const b = this.b;
    const pieces: string[] = [];
    let fixed: number[] = [];
    for (const d of s) {
      if (!isBatchDim(d)) {
        fixed.push(d);
        continue;
      }
      if (fixed.length) pieces.push(b.int64Const(fixed, 'shape'));
      fixed = [];
      const bd = this.batchSize();
      pieces.push(d.times === 1 ? bd : b.op('Mul', [bd, b.int64Const([d.times], 'times')]));
    }
    if (fixed.length) pieces.push(b.int64Const(fixed, 'shape'));
    if (pieces.length === 1) return pieces[0];
    return b.op('Concat', pieces, { axis: 0 }, b.fresh('runtime_shape'));
  }

  /** B as a 1-D int64 tensor of one element: Shape(batch input)[0:1], emitted once. */
  private batchSize(): string {
    if (this.batchDim) return this.batchDim;
    if (!this.batchSource) throw new DynamicBatchError('dynamic batch: no fed input carries the batch size');
    this.batchDim = this.b.op('Shape', [this.batchSource], { start: 0, end: 1 }, this.b.fresh('batch_size'));
    return this.batchDim;
  }
}
