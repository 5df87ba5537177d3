import {
  add,
  type Backend,
  batchTopKSparse,
  Graph,
  grad,
  greaterEqual,
  input,
  kthLargest,
  matmul,
  mul,
  type Node,
  paramInputs,
  relu,
  reshape,
  type SaeConfig,
  scatterAddLast,
  sparseMatmul,
  sum,
} from '@saekit/core';
import { compareTensors } from '@saekit/core/testing';
import { evaluate } from '../evaluate.js';
import { SAE_TOLERANCE } from '../tolerances.js';
import type { CaseContext, ConformanceCase } from '../types.js';
import { paramsToF64, SAE_BATCH, saeConfig, saeData } from './sae-data.js';

/** A BatchTopK code, its decoder and a squared error, with the gradients of W_enc, b_enc and W_dec. */
function batchTopKGraph(c: SaeConfig, k: number, m: number | 'dense'): Graph {
  const p = paramInputs(c);
  const x = input('x', [SAE_BATCH, c.inputDim]);
  let hidden: Node;
  let recon: Node;
  if (m === 'dense') {
    const pre = add(matmul(x, p.W_enc), p.b_enc);
    const flat = reshape(pre, [1, SAE_BATCH * c.hiddenDim]);
    hidden = mul(relu(pre), greaterEqual(pre, kthLargest(flat, SAE_BATCH * k)));
    recon = matmul(hidden, p.W_dec);
  } else {
    const { code } = batchTopKSparse(p, x, k, m);
    hidden = scatterAddLast(code.vals, code.idx, c.hiddenDim);
    recon = sparseMatmul(code.vals, code.idx, p.W_dec);
  }
  const loss = sum(mul(recon, recon));
  const [gEnc, gB, gDec] = grad(loss, [p.W_enc, p.b_enc, p.W_dec]);
  return Graph.from({
    outputs: { hidden, recon, loss, 'grad.W_enc': gEnc, 'grad.b_enc': gB, 'grad.W_dec': gDec },
  });
}

/**
 * BatchTopK's sparse form (each row's top m candidates, then the batch threshold) on the backend
 * against the dense form on the float64 reference; m = 2k, where these data are exact.
 */
export function batchTopKCase(k = 2): ConformanceCase {
  const config = saeConfig({ encoder: 'topk', decoder: 'identity', sparsity: { kind: 'none' } });
  const m = 2 * k;
  const name = `batchtopk k=${k} sparse (m=${m}) ${config.inputDim}→${config.hiddenDim} b${SAE_BATCH}`;
  return {
    group: 'sae',
    name,
    async run(backend: Backend, ctx: CaseContext) {
      const d = saeData(config, `sae/${name}`);
      const dense = batchTopKGraph(config, k, 'dense');
      // The graph reads no b_dec.
      const { W_enc, b_enc, W_dec } = d.params;
      const f64 = paramsToF64(d.params);
      const expected = await evaluate(ctx.reference, dense, {
        x: Float64Array.from(d.x),
        W_enc: f64.W_enc,
        b_enc: f64.b_enc,
        W_dec: f64.W_dec,
      });
      const actual = await evaluate(backend, batchTopKGraph(config, k, m), { x: d.x, W_enc, b_enc, W_dec });
      return Object.keys(dense.outputs).map((o) => compareTensors(o, actual[o], expected[o], SAE_TOLERANCE));
    },
  };
}
