import { type Node, type Op, SPARSE_KINDS, type SparseOp } from '@saekit/core';
import type { FusedKernel } from './fuse.js';
import type { LoopGroup } from './groups.js';

/**
 * What an executable runs: a list of typed steps, in run order. The planning passes (see
 * passes.ts) each rewrite this list; the kernel table (rules.ts) turns each step into code.
 * `split`: the step runs over the thread pool (set by split.ts).
 */
export type Step =
  /** A reshape: shares its operand's buffer and runs nothing. */
  | { readonly kind: 'alias'; readonly node: Node }
  /** A fused elementwise chain with `node` as its root (grouping makes every one a loop). */
  | { readonly kind: 'elementwise'; readonly node: Node; readonly kernel: FusedKernel }
  /** One loop computing several elementwise kernels of one shape (groups.ts). */
  | { readonly kind: 'loop'; readonly group: LoopGroup; readonly split: boolean }
  | { readonly kind: 'matmul'; readonly node: Node; readonly split: boolean }
  /** A product computed only where `p > threshold` (masked.ts). */
  | { readonly kind: 'masked'; readonly node: Node; readonly mask: Mask; readonly split: boolean }
  /** A masked product and `partner` = hᵀ·a over its left operand, in one pass (masked.ts). */
  | {
      readonly kind: 'maskedPair';
      readonly node: Node;
      readonly mask: Mask;
      readonly partner: Node;
      readonly split: boolean;
    }
  | { readonly kind: 'sum'; readonly node: Node; readonly split: boolean }
  | { readonly kind: 'transpose'; readonly node: Node }
  | { readonly kind: 'kthLargest'; readonly node: Node; readonly split: boolean }
  /**
   * A sparse TopK primitive, `op`, over `reads`. `transposed` (fold.ts): a sparseDot reading W
   * through a transpose reads the transpose's operand [d, n] instead, and a sparseOuter read only
   * by a transpose writes the transposed result, `node` then being that transpose. `gathered`
   * (gather-pre.ts): a cooDot whose values are read from the dense product reads[0] [n, m] at
   * (dst, src), its reads then [product, dst, src].
   */
  | {
      readonly kind: 'indexed';
      readonly node: Node;
      readonly op: SparseOp;
      readonly reads: readonly Node[];
      readonly transposed: boolean;
      readonly split: boolean;
      readonly gathered?: true;
    };

export type StepKind = Step['kind'];

const SPARSE: ReadonlySet<string> = new Set(SPARSE_KINDS);

/** Whether an op is one of the sparse TopK primitives (an `indexed` step). */
export function isSparseOp(op: Op): op is SparseOp {
  return SPARSE.has(op.kind);
}
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

/** Where a masked product's entries are kept: where p > threshold. */
export interface Mask {
  readonly p: Node;
  readonly threshold: number;
}

/** What a loop writes, in the order its kernel takes its output arrays: stored members, then row sums. */
export function loopOutputs(g: LoopGroup): Node[] {
  return [...g.storeOf.map((i) => g.members[i]), ...g.rowSums];
}

/** The nodes a step writes. */
export function stepOutputs(s: Step): readonly Node[] {
  switch (s.kind) {
    case 'loop':
      return loopOutputs(s.group);
    case 'maskedPair':
      return [s.node, s.partner];
    default:
      return [s.node];
  }
}

/** The nodes a step reads. */
export function stepReads(s: Step): readonly Node[] {
  switch (s.kind) {
    case 'loop':
      return s.group.leaves;
    case 'elementwise':
      return s.kernel.leaves;
    case 'masked':
      return [...s.node.inputs, s.mask.p];
    case 'maskedPair':
      return [...s.node.inputs, s.mask.p, s.partner.inputs[0]];
    case 'indexed':
      return s.reads;
    default:
      return s.node.inputs;
  }
}

/** The node whose place in the schedule a step takes (a loop's first member). */
export function stepNode(s: Step): Node {
  return s.kind === 'loop' ? s.group.members[0] : s.node;
}

/** What a step computes, for profiles: its op (a loop's ops joined by +), output shape, how it runs. */
export function describeStep(s: Step, threads: number): string {
  const shape = (n: Node) => `[${n.shape.join(',')}]`;
  const on = (split: boolean) => (split ? `${threads} threads` : '');
  const how = (...parts: string[]) => (parts.some(Boolean) ? ` (${parts.filter(Boolean).join(', ')})` : '');
  switch (s.kind) {
    case 'loop': {
      const ops = [...s.group.members, ...s.group.rowSums].map((m) => m.op.kind).join('+');
      return `${ops} ${shape(s.group.members[0])}${how(on(s.split))}`;
    }
    case 'masked':
      return `matmul ${shape(s.node)}${how('masked', on(s.split))}`;
    case 'maskedPair':
      return `matmul ${shape(s.node)} + matmul ${shape(s.partner)}${how('masked pair', on(s.split))}`;
    case 'indexed':
      return `${s.op.kind}${s.transposed ? 'ᵀ' : ''}${s.reads.length === 2 && s.op.kind === 'topkIndices' ? '+bias' : ''} ${shape(s.node)}${how(on(s.split))}`;
    case 'matmul':
    case 'sum':
    case 'kthLargest':
      return `${s.node.op.kind} ${shape(s.node)}${how(on(s.split))}`;
    default:
      return `${s.node.op.kind} ${shape(s.node)}`;
  }
}
