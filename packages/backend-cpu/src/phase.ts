import type { FloatArray, Node } from '@saekit/core';
import type { ParallelKernel } from './parallel/kernel.js';
import type { CompileContext, Phase } from './rules.js';

/**
 * `kernel` over `units` units, with the arguments `args` makes from the step's buffers: on the
 * pool when the step splits (its buffers are shared and stay put), else on this thread, with the
 * arguments made and bound once. `reads` names the argument fields that hold a read buffer: a field
 * holding a feed rebound per run is set afresh on each run, so the kernel must read its arguments
 * when it runs, not when it is bound (as MATMUL, MASKED_MATMUL and MASKED_PAIR do). `per` and
 * `chunk`: how the pool splits the units (ThreadPool.plan).
 */
export function phase<A extends object>(
  ctx: CompileContext,
  label: string,
  split: boolean,
  kernel: ParallelKernel<A>,
  reads: { readonly [K in keyof A]?: Node },
  args: () => A,
  units: number,
  per?: number,
  chunk?: number,
): Phase {
  if (split && ctx.pool) return { label, ...ctx.pool.plan(kernel, args(), units, per, chunk) };
  const live = args();
  const f = kernel.bind(live);
  const rebound = Object.entries(reads as Record<string, Node>).filter(([, n]) => !ctx.stable(n));
  if (rebound.length === 0) return { label, run: () => f(0, units) };
  const fields = live as Record<string, unknown>;
  const keys = rebound.map(([k]) => k);
  const slots = rebound.map(([, n]) => ctx.slot(n));
  const b = ctx.bufs;
  return {
    label,
    run: () => {
      for (let i = 0; i < keys.length; i++) fields[keys[i]] = b[slots[i]];
      f(0, units);
    },
  };
}

/** The buffer of node n. */
export function buf(ctx: CompileContext, n: Node): FloatArray {
  return ctx.bufs[ctx.slot(n)];
}
