import { describe, expect, it } from 'vitest';
import { Graph, input, klSparsity, l1Sparsity, mseLoss, type Node, Rng, saeLoss } from '../src/index.js';
import { KL_CLAMP } from '../src/nn/losses.js';
import { evaluateGraph } from '../src/testing/index.js';

// Each loss on the reference against its formula written out here in plain loops.
const [B, D, H] = [5, 7, 4];
const rng = new Rng(3);
const x = Array.from(rng.normalArray(B * D));
const recon = Array.from(rng.normalArray(B * D));
const h = Array.from(rng.uniformArray(B * H, 0, 0.3));
// Three real rows of weight 1/3 and two padding rows of weight 0 (a partial last batch).
const w = [1 / 3, 1 / 3, 1 / 3, 0, 0];
const nodes = {
  x: input('x', [B, D]),
  recon: input('recon', [B, D]),
  h: input('h', [B, H]),
  w: input('w', [B, 1]),
};
const feeds = { x, recon, h, w };

const value = (y: Node): number => evaluateGraph(Graph.from({ outputs: { y } }), feeds).get(y)![0];
const rowWeight = (r: number, weighted: boolean): number => (weighted ? w[r] : 1 / B);

function mse(weighted: boolean): number {
  let s = 0;
  for (let r = 0; r < B; r++) {
    let row = 0;
    for (let j = 0; j < D; j++) row += (recon[r * D + j] - x[r * D + j]) ** 2;
    s += rowWeight(r, weighted) * row;
  }
  return s / D;
}

function meanActivation(j: number, weighted: boolean, hv = h): number {
  let s = 0;
  for (let r = 0; r < B; r++) s += rowWeight(r, weighted) * hv[r * H + j];
  return s;
}

function kl(rho: number, weighted: boolean, hv = h, clamp = false): number {
  let s = 0;
  for (let j = 0; j < H; j++) {
    let q = meanActivation(j, weighted, hv);
    if (clamp) q = Math.min(q, 1 - KL_CLAMP);
    s += rho * Math.log(rho / (q + 1e-10)) + (1 - rho) * Math.log((1 - rho) / (1 - q + 1e-10));
  }
  return s;
}

function l1(weighted: boolean): number {
  let s = 0;
  for (let r = 0; r < B; r++) {
    let row = 0;
    for (let j = 0; j < H; j++) row += Math.abs(h[r * H + j]);
    s += rowWeight(r, weighted) * row;
  }
  return s;
}

const close = (a: number, b: number) =>
  expect(Math.abs(a - b), `${a} vs ${b}`).toBeLessThan(1e-12 * Math.max(1, Math.abs(b)));

describe('losses against their closed forms', () => {
  for (const weighted of [false, true]) {
    const wNode = weighted ? nodes.w : undefined;
    const tag = weighted ? 'row-weighted (zero-weight padding ignored)' : 'plain batch mean';
    it(`MSE, ${tag}`, () => close(value(mseLoss(nodes.recon, nodes.x, wNode)), mse(weighted)));
    it(`KL(rho = 0.05), ${tag}`, () => close(value(klSparsity(nodes.h, 0.05, wNode)), kl(0.05, weighted)));
    it(`L1, ${tag}`, () => close(value(l1Sparsity(nodes.h, wNode)), l1(weighted)));
  }

  it('the padding rows really are ignored: changing them changes nothing', () => {
    const moved = { ...feeds, x: x.map((v, i) => (i >= 3 * D ? v + 5 : v)) };
    const y = mseLoss(nodes.recon, nodes.x, nodes.w);
    const g = Graph.from({ outputs: { y } });
    expect(evaluateGraph(g, moved).get(y)![0]).toBe(evaluateGraph(g, feeds).get(y)![0]);
  });

  it('KL clamped: the seed formula where it is finite, finite where it is not (a mean above 1)', () => {
    close(value(klSparsity(nodes.h, 0.05, undefined, true)), kl(0.05, false));
    const big = h.map((v, i) => (i % H === 0 ? 1.5 : v)); // unit 0 has mean activation 1.5
    const at = (y: Node) => evaluateGraph(Graph.from({ outputs: { y } }), { ...feeds, h: big }).get(y)![0];
    expect(at(klSparsity(nodes.h, 0.05))).toBeNaN();
    const clamped = at(klSparsity(nodes.h, 0.05, undefined, true));
    expect(Number.isFinite(clamped)).toBe(true);
    close(clamped, kl(0.05, false, big, true));
  });

  it('saeLoss: total = mse + weight * penalty, for kl, l1 and none', () => {
    const kinds = [
      [{ kind: 'kl', rho: 0.1, weight: 0.3 }, kl(0.1, true)],
      [{ kind: 'l1', weight: 0.02 }, l1(true)],
      [{ kind: 'none' }, 0],
    ] as const;
    for (const [sp, penalty] of kinds) {
      const parts = saeLoss(sp, nodes.x, nodes.h, nodes.recon, nodes.w);
      close(value(parts.mse), mse(true));
      close(value(parts.total), mse(true) + ('weight' in sp ? sp.weight : 0) * penalty);
      if (sp.kind === 'none') expect(parts.penalty).toBeUndefined();
      else close(value(parts.penalty!), penalty);
    }
  });
});
