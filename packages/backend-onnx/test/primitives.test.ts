import {
  abs,
  add,
  broadcastTo,
  constant,
  div,
  exp,
  Graph,
  greater,
  greaterEqual,
  input,
  kthLargest,
  log,
  matmul,
  maximum,
  mul,
  type Node,
  neg,
  relu,
  reshape,
  type Shape,
  sigmoid,
  sign,
  sqrt,
  sub,
  sum,
  transpose,
  where,
} from '@saekit/core';
import { createReferenceBackend, primitiveTableChecks } from '@saekit/core/testing';
import { describe, expect, it } from 'vitest';
import {
  buildModel,
  createOnnxBackend,
  encodeModelProto,
  lowerGraph,
  MAX_OPSET,
  SUPPORTED_OPSETS,
} from '../src/index.js';
import { ort } from '../src/ort.js';
import { expectSameAsCpu, randn, rng } from './helpers.js';

const reference = createReferenceBackend();

/** Graph y = f(x0, x1, ...) over inputs of the given shapes, fed with the given values. */
function opGraph(f: (...xs: Node[]) => Node | Record<string, Node>, shapes: Shape[]): Graph {
  const xs = shapes.map((s, i) => input(`x${i}`, s));
  const y = f(...xs);
  return Graph.from({
    outputs: y instanceof Object && !('op' in y) ? (y as Record<string, Node>) : { y: y as Node },
  });
}

const feedsOf = (values: Float32Array[]) => Object.fromEntries(values.map((v, i) => [`x${i}`, v]));

async function check(
  f: (...xs: Node[]) => Node,
  args: [Shape, Float32Array][],
  opset: number,
): Promise<void> {
  await expectSameAsCpu(
    opGraph(
      f,
      args.map(([s]) => s),
    ),
    feedsOf(args.map(([, v]) => v)),
    opset,
  );
}

const r = rng(11);
const normal = (s: Shape) => randn(r, s);
/** Small integers: many exact ties for the comparisons and maximum. */
const ints = (s: Shape) => randn(r, s, 1.5).map(Math.round);

for (const opset of [17, MAX_OPSET]) {
  describe(`core's primitive table on ONNX Runtime against the float64 reference (opset ${opset})`, () => {
    const backend = createOnnxBackend({ opset, threads: 1 });
    for (const c of primitiveTableChecks()) it(c.name, () => c.run(backend, reference));
  });

  describe(`lowerings beyond one op per node agree with the CPU backend (opset ${opset})`, () => {
    it('where on a comparison (lowered without re-testing the condition)', async () => {
      const f = (a: Node, b: Node) => where(greaterEqual(a, b), sub(a, b), mul(b, 2));
      await check(
        f,
        [
          [[7, 13], ints([7, 13])],
          [[13], ints([13])],
        ],
        opset,
      );
    });

    it('wheres on one single-element condition, read only as outputs, become one If (both branches)', async () => {
      // A guard: two updates on a plain condition and one on a comparison; the updates' last
      // nodes move into the then-branch, a shared one (relu) stays in the main graph.
      const f = (k: Node, a: Node, b: Node) => {
        const r = relu(a);
        return {
          y1: where(k, sub(a, mul(b, 0.5)), a),
          y2: where(k, r, b),
          y3: where(greater(k, 0), sqrt(abs(b)), b),
          r: r,
        };
      };
      const g = opGraph(f, [[], [7, 13], [7, 13]]);
      const ops = lowerGraph(g, { opset }).graph.node!.map((n) => n.op_type);
      expect(ops.filter((o) => o === 'If')).toHaveLength(2); // one per condition
      expect(ops).not.toContain('Where');
      for (const k of [1, 0, 0.5, -0, -2]) {
        await expectSameAsCpu(g, feedsOf([Float32Array.of(k), normal([7, 13]), normal([7, 13])]), opset);
      }
    });

    it('column sums become matrix-vector Gemms: plain, row-weighted (either operand order), keepDims', async () => {
      const f = (a: Node, w: Node, c: Node) => {
        const p = mul(a, c);
        return {
          plain: sum(a, [0]),
          kept: sum(a, [0], true),
          weighted: sum(mul(a, w), [0]),
          weightedLeft: sum(mul(w, relu(a)), [0], true),
          column: sum(c, [0]), // [7, 1]: a dot product with ones
          shared: add(sum(p, [0]), p), // the product is read twice: summed with ones, not folded
        };
      };
      const g = opGraph(f, [
        [7, 13],
        [7, 1],
        [7, 1],
      ]);
      const ops = lowerGraph(g, { opset }).graph.node!.map((n) => n.op_type);
      expect(ops.filter((o) => o === 'ReduceSum')).toHaveLength(0);
      expect(ops.filter((o) => o === 'Gemm')).toHaveLength(6);
      await expectSameAsCpu(g, feedsOf([normal([7, 13]), normal([7, 1]), normal([7, 1])]), opset);
    });

    it('add(matmul, c) is one Gemm for any c Gemm can broadcast: row, column, scalar, whole', async () => {
      const f = (a: Node, b: Node, row: Node, col: Node, whole: Node) => ({
        row: add(matmul(a, b), row),
        col: add(col, matmul(a, b)),
        scalar: add(matmul(a, b), 2),
        whole: add(matmul(a, b, { transB: false }), whole),
        wider: add(matmul(a, b), input('t', [2, 7, 5])), // rank 3: not Gemm's C
      });
      const shapes: Shape[] = [[7, 13], [13, 5], [5], [7, 1], [7, 5]];
      const g = opGraph(f, shapes);
      const ops = lowerGraph(g, { opset }).graph.node!.map((n) => n.op_type);
      expect(ops.filter((o) => o === 'Add')).toHaveLength(1);
      await expectSameAsCpu(g, { ...feedsOf(shapes.map(normal)), t: normal([2, 7, 5]) }, opset);
    });

    it('div(1, x) is Reciprocal, unless the 1 broadcasts x to a larger shape', async () => {
      const f = (a: Node, x: Node) => ({
        scaled: mul(a, div(1, x)),
        wide: div(constant(new Float64Array(14).fill(1), [2, 7]), x),
      });
      const g = opGraph(f, [[2, 7], [7]]);
      const ops = lowerGraph(g, { opset }).graph.node!.map((n) => n.op_type);
      expect(ops.filter((o) => o === 'Reciprocal')).toHaveLength(1);
      await expectSameAsCpu(g, feedsOf([normal([2, 7]), normal([7])]), opset);
    });

    it('constants: scalars, vectors and matrices (shared initializers)', async () => {
      const c = constant(normal([3, 4]), [3, 4]);
      const f = (x: Node) => add(mul(add(x, c), 0.5), add(constant([1, -0, 2, 3], [4]), 0.5));
      await check(f, [[[3, 4], normal([3, 4])]], opset);
    });
  });
}

describe('every supported opset loads in onnxruntime-node and computes every op kind', () => {
  const graph = (() => {
    const x = input('x', [4, 6]);
    const w = input('w', [6, 3]);
    const h = relu(add(matmul(x, w), constant([0.1, -0.2, 0.3], [3])));
    const keep = greaterEqual(h, kthLargest(h, 2));
    const y = where(keep, sigmoid(h), neg(exp(h)));
    const z = div(add(abs(sign(y)), sqrt(abs(y))), maximum(log(add(abs(y), 1)), 0.5));
    const t = transpose(broadcastTo(reshape(sum(z, [0], true), [3, 1]), [3, 4]));
    return Graph.from({ outputs: { y, z, t, g: greater(sub(t, 0.5), 0) } });
  })();
  for (const opset of SUPPORTED_OPSETS) {
    it(`opset ${opset}`, async () => {
      const r = rng(opset);
      const cs = await expectSameAsCpu(graph, { x: randn(r, [4, 6]), w: randn(r, [6, 3]) }, opset);
      expect(cs).toHaveLength(4);
    });
  }

  it('onnxruntime-node refuses what lies beyond the table: opset 27, IR version 14', async () => {
    const model = buildModel(lowerGraph(graph, { opset: MAX_OPSET }));
    const load = (m: typeof model) =>
      ort.InferenceSession.create(encodeModelProto(m), { logSeverityLevel: 3 });
    await expect(load({ ...model, opset_import: [{ domain: '', version: MAX_OPSET + 1 }] })).rejects.toThrow(
      /[Oo]pset 27/,
    );
    await expect(load({ ...model, ir_version: 14 })).rejects.toThrow(/IR version: 14/);
    await expect(load(model)).resolves.toBeDefined();
  });
});
