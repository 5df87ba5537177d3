import { type Backend, buildLossGraph, type Formulation, type SaeConfig } from '@saekit/core';
import { compareTensors } from '@saekit/core/testing';
import { evaluate } from '../evaluate.js';
import { SAE_TOLERANCE } from '../tolerances.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { batchTopKCase } from './batchtopk.js';
import { modelName, paramsToF64, SAE_BATCH, saeConfig, saeData, saeVariants } from './sae-data.js';

/**
 * The loss graph of one SAE config (forward, loss parts, gradients of every parameter) on the
 * backend against the float64 reference. `rows` < batch pads the batch with zero-weight rows.
 * The `sparse` formulation (TopK) runs on the backend against the reference's dense graph: the
 * two formulations must agree within the same bound.
 */
export function saeCase(
  config: SaeConfig,
  batch = SAE_BATCH,
  rows = batch,
  formulation: Formulation = 'dense',
): ConformanceCase {
  const tag = formulation === 'sparse' ? ' sparse' : '';
  const name = `${modelName(config, batch)}${tag}${rows < batch ? ` padded (${rows} rows)` : ''}`;
  return {
    group: 'sae',
    name,
    async run(backend: Backend, ctx: CaseContext) {
      const d = saeData(config, `sae/${name}`, batch, rows);
      const graph = buildLossGraph(config, batch);
      const f64 = { x: Float64Array.from(d.x), w: Float64Array.from(d.w), ...paramsToF64(d.params) };
      const expected = await evaluate(ctx.reference, graph, f64);
      const tested = formulation === 'sparse' ? buildLossGraph(config, batch, 'sparse') : graph;
      const actual = await evaluate(backend, tested, { x: d.x, w: d.w, ...d.params });
      return Object.keys(graph.outputs).map((k) => compareTensors(k, actual[k], expected[k], SAE_TOLERANCE));
    },
  };
}

/** Every encoder × decoder × sparsity variant, and a padded partial batch. */
export function saeCases(): ConformanceCase[] {
  const padded = saeConfig({
    encoder: 'relu',
    decoder: 'sigmoid',
    sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
  });
  const topk = saeVariants().filter((c) => c.encoder === 'topk');
  return [
    ...saeVariants().map((c) => saeCase(c)),
    saeCase(padded, SAE_BATCH, 6),
    ...topk.map((c) => saeCase(c, SAE_BATCH, SAE_BATCH, 'sparse')),
    saeCase(topk[0], SAE_BATCH, 6, 'sparse'),
    batchTopKCase(),
  ];
}
