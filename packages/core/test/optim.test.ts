import { describe, expect, it } from 'vitest';
import { adam, Graph, input, type Node, optimizer, Rng, sgd } from '../src/index.js';
import { createReferenceBackend } from '../src/testing/index.js';

// The optimizers' graphs on the reference, fed given gradients, against the update rules written
// out in PyTorch's form (torch.optim.Adam / SGD without momentum or weight decay).
const SHAPES: Record<string, number[]> = { p: [3], q: [2, 2] };
const rng = new Rng(5);
const start: Record<string, Float64Array> = {
  p: Float64Array.from(rng.normalArray(3)),
  q: Float64Array.from(rng.normalArray(4)),
};
const STEPS = 6;
const gradsAt = Array.from({ length: STEPS }, () => ({
  p: Float64Array.from(rng.normalArray(3)),
  q: Float64Array.from(rng.normalArray(4, 0, 10)),
}));

function nodes(): { params: Record<string, Node>; grads: Record<string, Node> } {
  const params: Record<string, Node> = {};
  const grads: Record<string, Node> = {};
  for (const [n, s] of Object.entries(SHAPES)) {
    params[n] = input(n, s);
    grads[n] = input(`g.${n}`, s);
  }
  return { params, grads };
}

/** Runs the update graph STEPS times; the parameters after each step. */
async function runSteps(
  updates: Record<string, Node>,
  slots: Record<string, { node: Node; init: number }>,
): Promise<Record<string, Float64Array>[]> {
  const state: Record<string, Float64Array> = { ...start };
  for (const [n, s] of Object.entries(slots)) state[n] = new Float64Array(s.node.size).fill(s.init);
  const exe = await createReferenceBackend().compile(Graph.from({ outputs: {}, updates }), { state });
  const out: Record<string, Float64Array>[] = [];
  for (const g of gradsAt) {
    await exe.run({ 'g.p': g.p, 'g.q': g.q });
    out.push({ p: await exe.readState('p'), q: await exe.readState('q') });
  }
  if (slots['adam.t']) expect([...(await exe.readState('adam.t'))]).toEqual([STEPS]);
  return out;
}

/** torch.optim.Adam's step, element by element; `biasCorrection: false` only to show the test can tell. */
function torchAdam(lr: number, b1: number, b2: number, eps: number, biasCorrection = true) {
  const p = Object.fromEntries(Object.entries(start).map(([k, v]) => [k, Float64Array.from(v)]));
  const m = Object.fromEntries(Object.entries(start).map(([k, v]) => [k, new Float64Array(v.length)]));
  const v = Object.fromEntries(Object.entries(start).map(([k, x]) => [k, new Float64Array(x.length)]));
  const out: Record<string, Float64Array>[] = [];
  gradsAt.forEach((g, i) => {
    const t = i + 1;
    const bc1 = biasCorrection ? 1 - b1 ** t : 1;
    const bc2 = biasCorrection ? 1 - b2 ** t : 1;
    for (const k of Object.keys(p)) {
      for (let j = 0; j < p[k].length; j++) {
        const gj = g[k as 'p' | 'q'][j];
        m[k][j] = b1 * m[k][j] + (1 - b1) * gj;
        v[k][j] = b2 * v[k][j] + (1 - b2) * gj * gj;
        p[k][j] -= (lr * (m[k][j] / bc1)) / (Math.sqrt(v[k][j] / bc2) + eps);
      }
    }
    out.push(Object.fromEntries(Object.entries(p).map(([k, x]) => [k, Float64Array.from(x)])));
  });
  return out;
}

function maxDiff(a: Record<string, Float64Array>[], b: Record<string, Float64Array>[]): number {
  let d = 0;
  a.forEach((step, i) => {
    for (const k of Object.keys(step)) {
      for (let j = 0; j < step[k].length; j++) d = Math.max(d, Math.abs(step[k][j] - b[i][k][j]));
    }
  });
  return d;
}

describe('optimizers against the PyTorch update rule, step by step', () => {
  for (const [name, cfg] of [
    ['defaults', { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 }],
    ['strong bias correction', { lr: 0.1, beta1: 0.5, beta2: 0.7, eps: 1e-3 }],
  ] as const) {
    it(`Adam, ${name}, ${STEPS} steps`, async () => {
      const { params, grads } = nodes();
      const o = adam(params, grads, cfg);
      const got = await runSteps(o.updates, o.slots);
      const want = torchAdam(cfg.lr, cfg.beta1, cfg.beta2, cfg.eps);
      expect(maxDiff(got, want)).toBeLessThan(1e-12);
      // The steps are big enough that forgetting the bias correction would show.
      expect(maxDiff(got, torchAdam(cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, false))).toBeGreaterThan(1e-4);
    });
  }

  it(`SGD, ${STEPS} steps: p <- p - lr g`, async () => {
    const { params, grads } = nodes();
    const o = sgd(params, grads, 0.05);
    expect(o.slots).toEqual({});
    const got = await runSteps(o.updates, o.slots);
    const p = Object.fromEntries(Object.entries(start).map(([k, v]) => [k, Float64Array.from(v)]));
    const want = gradsAt.map((g) => {
      for (const k of ['p', 'q'] as const) p[k] = p[k].map((x, j) => x - 0.05 * g[k][j]);
      return { p: p.p, q: p.q };
    });
    expect(maxDiff(got, want)).toBeLessThan(1e-14);
  });

  it('optimizer() validates its config and dispatches on kind', () => {
    const { params, grads } = nodes();
    expect(Object.keys(optimizer(params, grads, { kind: 'adam', lr: 1e-3 }).slots)).toContain('adam.m.q');
    expect(optimizer(params, grads, { kind: 'sgd', lr: 1 }).slots).toEqual({});
    expect(() => optimizer(params, grads, { kind: 'adam', lr: 0 })).toThrow(/lr must be a positive number/);
    expect(() => optimizer(params, grads, { kind: 'adam', lr: 1, beta1: 1 })).toThrow(
      /beta1 must be in \[0, 1\)/,
    );
  });
});
