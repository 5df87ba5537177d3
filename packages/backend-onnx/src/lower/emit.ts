import type { Node } from '@saekit/core';
import type { GraphProto, NodeProto, ValueInfoProto } from '../proto/types.js';
import type { SymShape } from './batch.js';
import type { GraphBuilder } from './builder.js';
import { emitFused, type Fusions, OnesRows } from './fusions.js';
import type { GuardGroup, Guards } from './guards.js';
import type { MergedState, MergeGroup } from './merge.js';
import { emitMergeGroup } from './merge-emit.js';
import { emitByRule, notZero } from './rules.js';
import type { ShapeTensors } from './shape-tensors.js';

/** What lowerGraph decided before emitting: shared by every rule and pass of the emission. */
export interface LowerContext {
  readonly b: GraphBuilder;
  readonly opset: number;
  readonly shapes: ReadonlyMap<Node, SymShape>;
  readonly shapeTensors: ShapeTensors;
  /** Computed nodes that write their value under a graph output's or update's name. */
  readonly direct: ReadonlyMap<Node, string>;
  readonly fusions: Fusions;
  readonly guards: Guards;
  readonly merges: {
    readonly groups: readonly MergeGroup[];
    readonly merged: readonly MergedState[];
    readonly uses: ReadonlyMap<Node, number>;
  };
  /** A graph input's or output's type: float32 of this (symbolic) shape. */
  readonly info: (name: string, s: SymShape) => ValueInfoProto;
}

/** Emits the ONNX nodes of each core node, in topological order. */
export class Emitter {
  private readonly values = new Map<Node, string>();
  /** For comparison nodes: the bool tensor before the cast, so a `where` on it skips a test. */
  readonly bools = new Map<Node, string>();
  /** Nodes emitted by the node that reads them: folded ones, a guard's updates, merged cones. */
  private readonly deferred: ReadonlySet<Node>;
  /** Merge groups by the node after which they are emitted. */
  private readonly mergeAt: ReadonlyMap<Node, MergeGroup>;
  /** Guard wheres already seen, per group; the group's If is emitted at its last where. */
  private readonly guardsSeen = new Map<GuardGroup, number>();
  private readonly ones = new OnesRows();
  private readonly topkValues = new Map<Node, string>();

  constructor(readonly cx: LowerContext) {
    this.deferred = new Set([
      ...cx.fusions.folded,
      ...cx.guards.moved,
      ...cx.merges.groups.flatMap((g) => g.families.flatMap((f) => f.nodes)),
    ]);
    this.mergeAt = new Map(cx.merges.groups.map((g) => [g.last, g]));
  }

  value(n: Node): string {
    const v = this.values.get(n);
    if (v === undefined) throw new Error(`onnx lowering: ${n} used before it was lowered`);
    return v;
  }

  lower(n: Node): void {
    const merge = this.mergeAt.get(n);
    if (merge) emitMergeGroup(this, merge);
    if (this.deferred.has(n)) return;
    const group = this.cx.guards.groups.get(n);
    if (!group) {
      this.values.set(n, this.emit(n));
      return;
    }
    const seen = (this.guardsSeen.get(group) ?? 0) + 1;
    this.guardsSeen.set(group, seen);
    if (seen === group.wheres.length) this.emitGuard(group);
  }

  /** n's ONNX nodes: a fusion's when one covers n, else its primitive's rule. */
  private emit(n: Node): string {
    const out = this.cx.direct.get(n);
    const value = (i: Node): string => this.value(i);
    const fused = emitFused(n, {
      b: this.cx.b,
      fusions: this.cx.fusions,
      ones: this.ones,
      out,
      value,
      topkValues: this.topkValues,
    });
    return fused ?? this.apply(n, n.inputs.map(value), out, (i) => this.bools.get(n.inputs[i]));
  }

  /** n's primitive rule on operand values `x` (the main graph's, or a merge group's). */
  apply(
    n: Node,
    x: readonly string[],
    out: string | undefined,
    bool: (i: number) => string | undefined,
  ): string {
    return emitByRule({
      b: this.cx.b,
      opset: this.cx.opset,
      node: n,
      op: n.op,
      x,
      out,
      bool,
      keepBool: (flag) => this.bools.set(n, flag),
      shapes: this.cx.shapeTensors,
    });
  }

  /**
   * One If for a group of guard wheres: then-branch the updated values, else-branch the old ones.
   * The If comes after every where of the group in graph order, so every value a branch reads
   * from the main graph is computed by then.
   */
  private emitGuard(group: GuardGroup): void {
    const { b, guards, info, shapes } = this.cx;
    const flag = this.bools.get(group.cond) ?? notZero(b, this.value(group.cond));
    const branch = (pick: 1 | 2, name: string): GraphProto => {
      const nodes: NodeProto[] = [];
      const outs = b.into(nodes, () =>
        group.wheres.map((w) => {
          const v = w.inputs[pick];
          // A moved update is computed right here; anything else is passed through.
          const out = pick === 1 && guards.moved.has(v) ? this.emit(v) : b.op('Identity', [this.value(v)]);
          return info(out, shapes.get(w)!);
        }),
      );
      return { name, node: nodes, output: outs };
    };
    const thenBranch = branch(1, 'guard_then');
    const elseBranch = branch(2, 'guard_else');
    const names = group.wheres.map((w) => this.cx.direct.get(w) ?? b.fresh('where'));
    b.ifNode(flag, names, thenBranch, elseBranch);
    for (const [i, w] of group.wheres.entries()) this.values.set(w, names[i]);
  }
}
