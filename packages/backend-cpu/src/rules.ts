import type { FloatArray, Node } from '@saekit/core';
import { compileElementwise, ELEMENTWISE, type ElementwiseKernel } from './kernels/elementwise.js';
import { KTH_LARGEST } from './kernels/kth-largest.js';
import { MASKED_MATMUL } from './kernels/masked-matmul.js';
import { MASKED_PAIR, PAIR_SUM, pairParts } from './kernels/masked-pair.js';
import { MATMUL } from './kernels/matmul-auto.js';
import { compileSum, compileSumRange, SUM } from './kernels/sum.js';
import { compileTranspose } from './kernels/transpose.js';
import type { ThreadPool } from './parallel/pool.js';
import { buf, phase } from './phase.js';
import { indexedRule } from './rules-indexed.js';
import { sharedRows } from './split.js';
import { describeStep, loopOutputs, type StepKind, type StepOf } from './steps.js';

/** One thing a run does, in order: a step compiles to one or two. */
export interface Phase {
  readonly run: () => void;
  readonly label: string;
  /** Frees a split phase's tasks on the workers. */
  readonly release?: () => void;
}

/** What a rule needs from the executable. */
export interface CompileContext {
  /** The buffers by slot (a feed's slot is rebound to the caller's array on each run, unless staged). */
  readonly bufs: FloatArray[];
  slot(n: Node): number;
  /** Whether n's buffer is the same array on every run (all but unstaged feeds). */
  stable(n: Node): boolean;
  readonly pool?: ThreadPool;
  readonly threads: number;
  /** float32 runs exp as kernels/exp.ts's fastExp; the float64 reference keeps Math.exp. */
  readonly fastMath: boolean;
  /** A float64 scratch that lives as long as the executable (on the pool's memory when `shared`). */
  scratch(n: number, shared: boolean): Float64Array;
}

type Rule<K extends StepKind> = (s: StepOf<K>, ctx: CompileContext) => Phase[];

/** Each step kind's kernel. */
export const RULES: { readonly [K in StepKind]: Rule<K> } = {
  alias: () => [],
  elementwise: (s) => {
    throw new Error(
      `cpu: elementwise ${s.node.op.kind} outside a loop (the grouping pass makes every one a loop)`,
    );
  },
  matmul: (s, ctx) => {
    const { node } = s;
    const [a, b] = node.inputs;
    const { transA, transB } = node.op.kind === 'matmul' ? node.op : { transA: false, transB: false };
    const k = transA ? a.shape[0] : a.shape[1];
    const [m, n] = node.shape;
    const args = () => ({ a: buf(ctx, a), b: buf(ctx, b), out: buf(ctx, node), m, n, k, transA, transB });
    const chunk = s.split ? sharedRows([m, n, k], ctx.threads) : undefined;
    return [phase(ctx, label(s, ctx), s.split, MATMUL, { a, b }, args, m, undefined, chunk)];
  },
  masked: (s, ctx) => {
    const { node, mask } = s;
    const [a, b] = node.inputs;
    const [m, n] = node.shape;
    const k = a.shape[1];
    const { threshold } = mask;
    const args = () => ({
      a: buf(ctx, a),
      b: buf(ctx, b),
      p: buf(ctx, mask.p),
      threshold,
      out: buf(ctx, node),
      m,
      n,
      k,
    });
    return [phase(ctx, label(s, ctx), s.split, MASKED_MATMUL, { a, b, p: mask.p }, args, m)];
  },
  maskedPair: (s, ctx) => {
    const { node, mask, partner } = s;
    const [a, b] = node.inputs;
    const h = partner.inputs[0];
    const [m, n] = node.shape;
    const k = a.shape[1];
    const parts = pairParts(m);
    const len = n * k;
    const part = ctx.scratch(parts * len, s.split);
    const f32 = (x: Node) => buf(ctx, x) as Float32Array; // masked products are float32-only
    const { threshold } = mask;
    const pass = () => ({
      a: f32(a),
      b: f32(b),
      p: f32(mask.p),
      threshold,
      h: f32(h),
      out1: f32(node),
      part,
      m,
      n,
      k,
    });
    const sum = () => ({ part, out: f32(partner), len, parts });
    const on = s.split ? ` (${ctx.threads} threads)` : '';
    return [
      phase(
        ctx,
        label(s, ctx),
        s.split,
        MASKED_PAIR,
        { a, b, p: mask.p, h },
        pass,
        parts,
        Math.ceil(parts / ctx.threads),
      ),
      phase(ctx, `sum of parts [${partner.shape.join(',')}]${on}`, s.split, PAIR_SUM, {}, sum, len),
    ];
  },
  sum: (s, ctx) => {
    const { node } = s;
    const x = node.inputs[0];
    const axes = node.op.kind === 'sum' ? node.op.axes : [];
    const range = s.split ? compileSumRange(x.shape, axes) : undefined;
    if (range) {
      const args = () => ({ shape: x.shape, axes, x: buf(ctx, x), out: buf(ctx, node) });
      return [phase(ctx, label(s, ctx), true, SUM, { x }, args, range.outputs)];
    }
    const f = compileSum(x.shape, axes);
    const [i, o] = [ctx.slot(x), ctx.slot(node)];
    return [{ label: label(s, ctx), run: () => f(ctx.bufs[i], ctx.bufs[o]) }];
  },
  loop: (s, ctx) => {
    const g = s.group;
    const shape = g.members[0].shape;
    const shapes = g.leaves.map((l) => l.shape);
    // A plain spec: the group itself holds nodes, which do not go to the workers.
    const spec = { exprs: g.exprs, storeOf: g.storeOf, rowSumOf: g.rowSumOf };
    const outs = loopOutputs(g);
    const { fn, outer } = compileElementwise(spec, shape, shapes, ctx.fastMath);
    const reads = [...outs, ...g.leaves];
    if (!s.split && !g.leaves.every((n) => ctx.stable(n)))
      return [{ label: label(s, ctx), run: rebinding(fn, outer, reads, ctx) }];
    const args = () => ({
      spec,
      outShape: shape,
      shapes,
      fastMath: ctx.fastMath,
      outs: outs.map((n) => buf(ctx, n)),
      operands: g.leaves.map((n) => buf(ctx, n)),
    });
    // Its leaves are all stable here (a split step's feeds are staged), so no field is rebound.
    return [phase(ctx, label(s, ctx), s.split, ELEMENTWISE, {}, args, outer)];
  },
  transpose: (s, ctx) => {
    const x = s.node.inputs[0];
    const f = compileTranspose(x.shape, s.node.op.kind === 'transpose' ? s.node.op.perm : []);
    const [i, o] = [ctx.slot(x), ctx.slot(s.node)];
    return [{ label: label(s, ctx), run: () => f(ctx.bufs[i], ctx.bufs[o]) }];
  },
  indexed: (s, ctx) => indexedRule(s, ctx, label(s, ctx)),
  kthLargest: (s, ctx) => {
    const x = s.node.inputs[0];
    const k = s.node.op.kind === 'kthLargest' ? s.node.op.k : 1;
    const n = x.shape[x.shape.length - 1];
    const args = () => ({ x: buf(ctx, x), out: buf(ctx, s.node), n, k });
    return [phase(ctx, label(s, ctx), s.split, KTH_LARGEST, { x }, args, s.node.size)];
  },
};

function label(s: StepOf<StepKind>, ctx: CompileContext): string {
  return describeStep(s, ctx.threads);
}

/**
 * A loop reading a feed rebound per run: fn(0, end, …buffers) read afresh on each run, unrolled by
 * arity so the run makes no array of operands.
 */
function rebinding(
  fn: ElementwiseKernel,
  end: number,
  nodes: readonly Node[],
  ctx: CompileContext,
): () => void {
  const b = ctx.bufs;
  const slots = nodes.map((n) => ctx.slot(n));
  const [s0, s1, s2, s3, s4] = slots;
  if (slots.length === 1) return () => fn(0, end, b[s0]);
  if (slots.length === 2) return () => fn(0, end, b[s0], b[s1]);
  if (slots.length === 3) return () => fn(0, end, b[s0], b[s1], b[s2]);
  if (slots.length === 4) return () => fn(0, end, b[s0], b[s1], b[s2], b[s3]);
  if (slots.length === 5) return () => fn(0, end, b[s0], b[s1], b[s2], b[s3], b[s4]);
  const args: FloatArray[] = [];
  return () => {
    for (let i = 0; i < slots.length; i++) args[i] = b[slots[i]];
    fn(0, end, ...args);
  };
}
