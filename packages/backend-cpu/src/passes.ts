import type { Graph } from '@saekit/core';
import { foldTransposes } from './fold.js';
import { foldTopkBias } from './fold-bias.js';
import { fusedSteps, planFusion } from './fuse.js';
import { gatherSelectedPre } from './gather-pre.js';
import { groupSteps } from './groups.js';
import { maskSteps, pairSteps, planMaskedProducts } from './masked.js';
import { schedule } from './schedule.js';
import { splitSteps } from './split.js';
import type { Step } from './steps.js';

export interface PassOptions {
  /** Fusion, masking, loop groups, early small nodes; off, every op runs as written, in graph order. */
  readonly fuse: boolean;
  /** Masked products and pairs (float32 only: the float64 reference keeps plain products). */
  readonly fastMath: boolean;
  /** Threads of the pool (1: none). */
  readonly threads: number;
}

/**
 * The planning passes, in order, each rewriting one list of steps (see the package README):
 * schedule → fusion → folding (transposes; a topk's bias, float32) → masking → pairing → gathering
 * (selected pre-activations, float32) → grouping → threading. The buffer plan (plan.ts) then
 * gives the final list's nodes their slots, and the kernel table (rules.ts) compiles each step.
 */
export function planSteps(graph: Graph, o: PassOptions): Step[] {
  const order = o.fuse ? schedule(graph) : graph.nodes;
  const { fused, kernels } = planFusion(graph, o.fuse);
  let steps = fusedSteps(order, fused, kernels);
  if (o.fuse) steps = foldTransposes(steps, graph);
  if (o.fuse && o.fastMath) {
    steps = foldTopkBias(steps, graph);
    steps = maskSteps(steps, planMaskedProducts(graph, order, fused, kernels));
    steps = pairSteps(steps, graph, order, fused);
    steps = gatherSelectedPre(steps);
  }
  steps = groupSteps(steps, graph, order, kernels, fused, o.fuse);
  return splitSteps(steps, o.threads, o.fastMath);
}
