import {
  add,
  broadcastTo,
  buildTrainStep,
  constant,
  cooDot,
  Graph,
  gatherLast,
  greater,
  initParams,
  input,
  type ModernSaeConfig,
  matmul,
  type Node,
  Rng,
  reshape,
  rowWeights,
  type SaeConfig,
  sparseDot,
  topkIndices,
  transpose,
  where,
} from '@saekit/core';
import { createReferenceBackend } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, lowerGraph } from '../src/index.js';
import { SMALL } from './helpers.js';

// The sparse TopK step recomputes the selected pre-activations as sparse dots (core's
// selectedPre); the lowering takes them from TopK's values instead (lower/selected-pre.ts).
const identity = { decoder: 'identity', sparsity: { kind: 'none' } } as const;
const cfg: SaeConfig = { ...SMALL, ...identity, inputDim: 24, hiddenDim: 96, encoder: 'topk', k: 4 };
const B = 16;
/** The lowered graph's nodes, with their inputs and outputs as plain lists. */
const onnxNodes = (g: Graph) =>
  (lowerGraph(g, {}).graph.node ?? []).map((n) => ({
    op_type: n.op_type,
    input: n.input ?? [],
    output: n.output ?? [],
  }));
const sparse = buildTrainStep(cfg, B, { kind: 'adam', lr: 1e-2 }, { formulation: 'sparse' });

/** A compiled step the tests feed and read (the onnx one and a reference). */
interface Stepper {
  run(feeds: Record<string, Float32Array | Float64Array>): Promise<Record<string, ArrayLike<number>>>;
  readState(name: string): Promise<ArrayLike<number>>;
}

/**
 * Trains `steps` steps on both from the same data (the reference's feeds through `toRef`): each
 * step's loss agrees to `digits`, and every weight within `tol` after them.
 */
async function expectTrainsAlike(
  onnx: Stepper,
  ref: Stepper,
  toRef: (f: Record<string, Float32Array>) => Record<string, Float32Array | Float64Array>,
  o: { rows: number; inputDim: number; steps: number; digits: number; tol: number },
): Promise<void> {
  const data = new Rng(8);
  for (let i = 0; i < o.steps; i++) {
    const feeds = {
      x: Float32Array.from(data.normalArray(o.rows * o.inputDim)),
      w: rowWeights(new Float32Array(o.rows), o.rows),
    };
    const [a, r] = [await onnx.run(feeds), await ref.run(toRef(feeds))];
    expect(a.loss[0]).toBeCloseTo(r.loss[0], o.digits);
  }
  for (const name of ['W_enc', 'b_enc', 'W_dec', 'b_dec']) {
    const [a, r] = [await onnx.readState(name), await ref.readState(name)];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - r[i]));
    expect(worst, name).toBeLessThan(o.tol);
  }
}

describe('selected pre-activations lowered as TopK values', () => {
  it("reads TopK's values: no transposed W_enc, no gather from it, b_enc read by the Gemm alone", () => {
    const nodes = onnxNodes(sparse.graph);
    const producer = new Map(nodes.flatMap((n) => n.output.map((o) => [o, n])));
    const topk = nodes.filter((n) => n.op_type === 'TopK');
    expect(topk).toHaveLength(1);
    expect(nodes.some((n) => n.input.includes(topk[0].output[0]))).toBe(true);
    for (const n of nodes.filter((n) => n.op_type === 'Gather'))
      expect(producer.get(n.input[0])?.op_type, 'a gather reads a transpose').not.toBe('Transpose');
    expect(nodes.filter((n) => n.input.includes('b_enc')).map((n) => n.op_type)).toEqual(['Gemm']);
    expect(nodes.filter((n) => n.op_type === 'Transpose' && n.input[0] === 'W_enc')).toHaveLength(0);
  });

  it('trains as the float32 reference does (losses and weights over four steps)', async () => {
    const state = sparse.initialState(initParams(cfg, new Rng(3)));
    const onnx = await createOnnxBackend({ threads: 1 }).compile(sparse.graph, { state });
    const ref = await createReferenceBackend({ float32: true }).compile(sparse.graph, { state });
    await expectTrainsAlike(onnx, ref, (f) => f, {
      rows: B,
      inputDim: cfg.inputDim,
      steps: 4,
      digits: 5,
      tol: 1e-5,
    });
    onnx.dispose();
  });

  it('keeps the sparse dots when they read another x than the TopK did', async () => {
    const [n, d, k] = [12, 5, 3];
    const x = input('x', [B, d]);
    const x2 = input('x2', [B, d]);
    const W = input('W', [d, n]);
    const b = input('b', [n]);
    const idx = topkIndices(add(matmul(x, W), b), k);
    const ones = broadcastTo(constant(1), [B, 1]);
    const sel = add(sparseDot(x2, idx, transpose(W)), sparseDot(ones, idx, reshape(b, [n, 1])));
    const g = Graph.from({ outputs: { sel } });
    expect(onnxNodes(g).filter((n) => n.op_type === 'Gather')).toHaveLength(2);
    const rng = new Rng(1);
    const feeds = {
      x: Float32Array.from(rng.normalArray(B * d)),
      x2: Float32Array.from(rng.normalArray(B * d)),
      W: Float32Array.from(rng.normalArray(d * n)),
      b: Float32Array.from(rng.normalArray(n)),
    };
    const onnx = await createOnnxBackend().compile(g);
    const [got, want] = [
      await onnx.run(feeds),
      await (await createReferenceBackend({ float32: true }).compile(g)).run(feeds),
    ];
    for (let i = 0; i < want.sel.length; i++) expect(got.sel[i]).toBeCloseTo(want.sel[i], 4);
    onnx.dispose();
  });

  /** The selection over another TopK of the same pre (`select`), checked against the reference. */
  async function gathered(select: (pre: Node, x: Node, W: Node, b: Node) => Node, want: string) {
    const [n, d] = [12, 5];
    const x = input('x', [B, d]);
    const W = input('W', [d, n]);
    const b = input('b', [n]);
    const pre = add(matmul(x, W), b);
    const sel = select(pre, x, W, b);
    // pre first: the dense pre is lowered before the selection reads it (in a step, the selection's
    // indices come from it, which orders it so).
    const g = Graph.from({ outputs: { pre, sel } });
    const nodes = onnxNodes(g);
    expect(nodes.map((m) => m.op_type)).toContain(want);
    expect(
      nodes.filter((m) => m.op_type === 'Transpose'),
      'no transposed W',
    ).toHaveLength(0);
    expect(
      nodes.filter((m) => m.op_type === 'MatMul'),
      'no sparse dots',
    ).toHaveLength(0);
    const rng = new Rng(2);
    const feeds = {
      x: Float32Array.from(rng.normalArray(B * d)),
      W: Float32Array.from(rng.normalArray(d * n)),
      b: Float32Array.from(rng.normalArray(n)),
    };
    const onnx = await createOnnxBackend().compile(g);
    const [got, ref] = [
      await onnx.run(feeds),
      await (await createReferenceBackend({ float32: true }).compile(g)).run(feeds),
    ];
    expect(got.sel.length).toBe(ref.sel.length);
    for (let i = 0; i < ref.sel.length; i++) expect(got.sel[i]).toBeCloseTo(ref.sel[i], 4);
    onnx.dispose();
  }

  it("gathers from the dense pre when the TopK ran over something else (AuxK's masked pre)", () =>
    gathered((pre, x, W, b) => {
      const [n] = b.shape;
      const dead = greater(
        constant(
          Array.from({ length: n }, (_, j) => j % 3),
          [1, n],
        ),
        0,
      );
      const idx = topkIndices(where(broadcastTo(dead, pre.shape), pre, -1e30), 3);
      const ones = broadcastTo(constant(1), [B, 1]);
      return add(sparseDot(x, idx, transpose(W)), sparseDot(ones, idx, reshape(b, [n, 1])));
    }, 'GatherElements'));

  for (const swapped of [false, true])
    it(`gathers pre[row, idx] for a batch-wide selection, cooDot + gatherLast of b (BatchTopK's [1, K] entries${swapped ? ', bias first' : ''})`, () =>
      gathered((_pre, x, W, b) => {
        const [n] = b.shape;
        const K = 20;
        const rng = new Rng(4);
        const entries = (m: number) =>
          constant(
            Array.from({ length: K }, () => Math.floor(rng.uniform() * m)),
            [1, K],
          );
        const [rows, cols] = [entries(B), entries(n)];
        const dot = cooDot(x, rows, cols, transpose(W));
        const bias = gatherLast(reshape(b, [1, n]), cols);
        const sel = swapped ? add(bias, dot) : add(dot, bias);
        expect(sel.shape).toEqual([1, K]);
        return sel;
      }, 'GatherND'));

  it("BatchTopK's sparse step: its selected pre-activations a GatherND of the encoder's Gemm, trained as the float64 reference", async () => {
    const c: ModernSaeConfig = { architecture: 'batchtopk', inputDim: 13, hiddenDim: 24, k: 2 };
    const rows = 9;
    const step = buildTrainStep(c, rows, { kind: 'adam', lr: 1e-2 }, { formulation: 'sparse' });
    const nodes = onnxNodes(step.graph);
    const producer = new Map(nodes.flatMap((n) => n.output.map((o) => [o, n])));
    const from = (name: string) => producer.get(name);
    // The encoder's product Gemm(u, W_enc, b_enc), read at (row, latent) by the one GatherND.
    const gemm = nodes.filter(
      (n) => n.op_type === 'Gemm' && n.input[1] === 'W_enc' && n.input[2] === 'b_enc',
    );
    expect(gemm).toHaveLength(1);
    const gatherNds = nodes.filter((n) => n.op_type === 'GatherND');
    expect(gatherNds).toHaveLength(1);
    expect(gatherNds[0].input[0]).toBe(gemm[0].output[0]);
    // No cooDot lowering (ReduceSum of a product of two row Gathers) reads the transposed W_enc: the
    // only one left is the gradient into the values, against W_dec.
    const cooDots = nodes.filter((n) => {
      const mul = from(n.input[0]);
      return (
        n.op_type === 'ReduceSum' &&
        mul?.op_type === 'Mul' &&
        mul.input.every((i) => from(i)?.op_type === 'Gather')
      );
    });
    expect(cooDots).toHaveLength(1);
    const gathered = cooDots.flatMap((n) => from(n.input[0])!.input.map((i) => from(i)!.input[0]));
    expect(gathered).toContain('W_dec');
    expect(gathered.map((g) => from(g)?.op_type)).not.toContain('Transpose');

    const state = step.initialState(initParams(c, new Rng(3)));
    const onnx = await createOnnxBackend({ threads: 1 }).compile(step.graph, { state });
    const f64 = (r: Record<string, Float32Array>) =>
      Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Float64Array.from(v)]));
    const ref = await createReferenceBackend().compile(step.graph, { state: f64(state) });
    await expectTrainsAlike(onnx, ref, f64, { rows, inputDim: c.inputDim, steps: 3, digits: 4, tol: 1e-4 });
    onnx.dispose();
  });
});
