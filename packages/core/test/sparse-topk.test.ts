import { describe, expect, it } from 'vitest';
import {
  add,
  batchTopKSparse,
  buildLossGraph,
  buildTrainStep,
  Graph,
  greaterEqual,
  initParams,
  input,
  kthLargest,
  matmul,
  mul,
  paramInputs,
  Rng,
  relu,
  reshape,
  type SaeConfig,
  scatterAddLast,
} from '../src/index.js';
import { compareTensors, createReferenceBackend, evaluateGraph } from '../src/testing/index.js';

const BATCH = 9;
const base: SaeConfig = {
  inputDim: 13,
  hiddenDim: 24,
  encoder: 'topk',
  k: 4,
  decoder: 'identity',
  sparsity: { kind: 'none' },
};

function feeds(c: SaeConfig, seed: number): Record<string, Float64Array> {
  const rng = new Rng(seed);
  const p = initParams(c, rng);
  const b = (n: number) => Float64Array.from(rng.uniformArray(n, -0.3, 0.3));
  return {
    W_enc: Float64Array.from(p.W_enc),
    b_enc: b(c.hiddenDim),
    W_dec: Float64Array.from(p.W_dec),
    b_dec: b(c.inputDim),
    x: Float64Array.from(rng.uniformArray(BATCH * c.inputDim, -1, 1)),
    w: new Float64Array(BATCH).fill(1 / BATCH),
  };
}

describe('the sparse TopK SAE agrees with the dense formulation', () => {
  const variants: [string, Partial<SaeConfig>][] = [
    ['mse only', {}],
    ['L1', { sparsity: { kind: 'l1', weight: 0.3 } }],
    [
      'KL, sigmoid decoder',
      { sparsity: { kind: 'kl', rho: 0.05, weight: 0.1, clamp: true }, decoder: 'sigmoid' },
    ],
    ['k = hidden', { k: 24 }],
  ];
  for (const [name, over] of variants) {
    it(`${name}: every output and gradient, in float64`, () => {
      const c = { ...base, ...over } as SaeConfig;
      const dense = buildLossGraph(c, BATCH, 'dense');
      const sparse = buildLossGraph(c, BATCH, 'sparse');
      expect(sparse.nodes.some((n) => n.op.kind === 'sparseMatmul')).toBe(true);
      expect(sparse.nodes.some((n) => n.op.kind === 'matmul' && n.shape[1] === c.inputDim)).toBe(false);
      const f = feeds(c, 7);
      const vd = evaluateGraph(dense, f);
      const vs = evaluateGraph(sparse, f);
      for (const k of Object.keys(dense.outputs)) {
        const cmp = compareTensors(k, vs.get(sparse.outputs[k])!, vd.get(dense.outputs[k])!, {
          atol: 1e-12,
          rtol: 1e-10,
        });
        expect(cmp.pass, `${k}: ${cmp.maxAbs}`).toBe(true);
      }
    });
  }

  it('Adam steps: the parameters after 3 steps agree (float32 state)', async () => {
    const c = { ...base, sparsity: { kind: 'l1', weight: 0.1 } } as SaeConfig;
    const f = feeds(c, 11);
    const params = {
      W_enc: Float32Array.from(f.W_enc),
      b_enc: Float32Array.from(f.b_enc),
      W_dec: Float32Array.from(f.W_dec),
      b_dec: Float32Array.from(f.b_dec),
    };
    const ref = createReferenceBackend({ float32: true });
    const after = async (formulation: 'dense' | 'sparse') => {
      const step = buildTrainStep(c, BATCH, { kind: 'adam', lr: 1e-2 }, { formulation });
      const exe = await ref.compile(step.graph, { state: step.initialState(params) });
      for (let i = 0; i < 3; i++) await exe.run({ x: Float32Array.from(f.x), w: Float32Array.from(f.w) });
      return Promise.all(['W_enc', 'b_enc', 'W_dec', 'b_dec'].map((n) => exe.readState(n)));
    };
    const [d, s] = [await after('dense'), await after('sparse')];
    d.forEach((v, i) => {
      const cmp = compareTensors(`param ${i}`, Float64Array.from(s[i]), Float64Array.from(v), {
        atol: 1e-6,
        rtol: 1e-5,
      });
      expect(cmp.pass, cmp.maxAbs.toString()).toBe(true);
      expect(v.some((x, j) => x !== params[(['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const)[i]][j])).toBe(
        true,
      );
    });
  });

  it('refuses the sparse formulation for an encoder that is not topk', () => {
    expect(() => buildLossGraph({ ...base, encoder: 'relu', k: undefined }, BATCH, 'sparse')).toThrow(
      /needs encoder topk/,
    );
  });
});

describe('BatchTopK, sparse: per-row top m candidates, then the batch threshold', () => {
  const c = base;
  const k = 3;
  /** The dense BatchTopK code: relu(pre) where pre is among the batch's B·k largest. */
  function denseAndSparse(m: number, f: Record<string, Float64Array>) {
    const p = paramInputs(c);
    const x = input('x', [BATCH, c.inputDim]);
    const pre = add(matmul(x, p.W_enc), p.b_enc);
    const dense = mul(
      relu(pre),
      greaterEqual(pre, kthLargest(reshape(pre, [1, BATCH * c.hiddenDim]), BATCH * k)),
    );
    const s = batchTopKSparse(p, x, k, m);
    const hidden = scatterAddLast(s.code.vals, s.code.idx, c.hiddenDim);
    const g = Graph.from({ outputs: { dense, hidden, exact: s.exact } });
    const v = evaluateGraph(g, f);
    return { dense: v.get(dense)!, sparse: v.get(hidden)!, exact: v.get(s.exact)![0] };
  }

  it('equals the dense form when it reports exact (m = n always; m = 2k here)', () => {
    for (const m of [c.hiddenDim, 2 * k]) {
      const r = denseAndSparse(m, feeds(c, 3));
      expect(r.exact).toBe(1);
      const cmp = compareTensors('hidden', r.sparse, r.dense, { atol: 1e-12, rtol: 1e-10 });
      expect(cmp.pass, `m=${m}: ${cmp.maxAbs}`).toBe(true);
    }
  });

  it('refuses fewer candidates than k', () => {
    expect(() => batchTopKSparse(paramInputs(c), input('x', [BATCH, c.inputDim]), k, k - 1)).toThrow(
      /m=2 candidates/,
    );
  });

  it('reports inexact when one row holds more than m of the batch top (and then differs)', () => {
    const f = feeds(c, 3);
    // Row 0 of x scaled up: its pre-activations dominate the batch.
    for (let i = 0; i < c.inputDim; i++) f.x[i] *= 50;
    const r = denseAndSparse(k, f);
    expect(r.exact).toBe(0);
    expect(compareTensors('hidden', r.sparse, r.dense, { atol: 1e-9, rtol: 0 }).pass).toBe(false);
  });
});
