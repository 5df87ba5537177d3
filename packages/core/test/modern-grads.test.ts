import { describe, expect, it } from 'vitest';
import {
  type AnyParamName,
  auxKHidden,
  auxKLoss,
  Graph,
  grad,
  hasSparseFormulation,
  input,
  type ModernFormulation,
  type ModernSaeConfig,
  modernLossGraph,
  modernParamInputs,
  preActivations,
  Rng,
  validateModernConfig,
} from '../src/index.js';
import { evaluateGraph, normal, type PrimitiveProblem } from '../src/testing/index.js';
import { finiteDifferenceCheck } from './helpers/finite-differences.js';
import { B, D, H, SMALL } from './helpers/modern-sizes.js';

/** Random parameters and batch, float64, with some latents dead for AuxK. */
function feedsFor(c: ModernSaeConfig, names: readonly string[], seed: number): Record<string, Float64Array> {
  const rng = new Rng(seed);
  const r = (n: number, s = 1) => Float64Array.from({ length: n }, () => s * rng.normal());
  const shapes: Record<string, number> = { W_enc: D * H, b_enc: H, W_dec: H * D, b_dec: D, log_threshold: H };
  const f: Record<string, Float64Array> = { x: r(B * D), w: new Float64Array(B).fill(1 / B) };
  for (const n of names)
    f[n] = n === 'log_threshold' ? r(H, 0.3).map((v) => Math.log(0.3) + v) : r(shapes[n], 0.6);
  if (c.auxk) f.dead = Float64Array.from({ length: H }, (_, i) => (i % 3 === 1 ? 1 : 0));
  return f;
}

/** The loss graph as an FD problem: L = total, grad.<name> for the parameters asked. */
function problem(
  c: ModernSaeConfig,
  wrt: readonly string[],
  seed = 1,
  formulation?: ModernFormulation,
): PrimitiveProblem {
  const g = modernLossGraph(c, B, undefined, { formulation });
  const outputs: Record<string, (typeof g.outputs)[string]> = { L: g.total };
  for (const n of wrt) outputs[`grad.${n}`] = g.outputs[`grad.${n}`];
  const f64 = feedsFor(c, g.names, seed);
  const f32 = Object.fromEntries(Object.entries(f64).map(([k, v]) => [k, Float32Array.from(v)]));
  return {
    graph: Graph.from({ outputs }),
    feeds: { f32, f64 },
    tol: { atol: 0, rtol: 0 },
    wrt: wrt.map((name) => ({ name, shape: [], gen: normal() })),
  };
}

const ALL = ['W_enc', 'b_enc', 'W_dec', 'b_dec'];
const base = SMALL;
const CASES: [string, ModernSaeConfig][] = [
  ['standard', { ...base, architecture: 'standard', l1Coefficient: 0.3 }],
  [
    'standard without b_dec on the input',
    { ...base, architecture: 'standard', l1Coefficient: 0.3, applyBDecToInput: false },
  ],
  // AuxK's target sg(x − x̂) is not differentiated by design; its own check is below.
  ['topk nmse', { ...base, architecture: 'topk', k: 2, reconLoss: 'nmse' }],
  ['batchtopk k=2.5', { ...base, architecture: 'batchtopk', k: 2.5 }],
  ['matryoshka', { ...base, architecture: 'matryoshka', k: 2, matryoshkaWidths: [2, 4, H] }],
  // log_threshold's gradient is a pseudo-derivative by design (checked in closed form below).
  ['jumprelu (W, b)', { ...base, architecture: 'jumprelu', l0Coefficient: 0.2, jumpreluBandwidth: 0.1 }],
];

describe('modern loss gradients against float64 central finite differences', () => {
  for (const [name, c] of CASES) {
    const forms: ModernFormulation[] = hasSparseFormulation(c.architecture) ? ['dense', 'sparse'] : ['dense'];
    for (const f of forms) {
      it(`${name} (${f})`, () => {
        const r = finiteDifferenceCheck(problem(c, ALL, 1, f));
        expect(r.checked).toBeGreaterThan(20);
        expect(r.worst, r.at).toBeLessThan(1e-6);
      });
    }
  }
});

describe('the recipes’ gradient rules', () => {
  it('AuxK against finite differences, its target x − x̂ given (so that sg(·) changes nothing)', () => {
    const c = validateModernConfig({ ...base, architecture: 'topk', k: 2, auxk: { kAux: 2 } });
    const p = modernParamInputs(c, ALL as AnyParamName[]);
    const [x, r, w, dead] = [input('x', [B, D]), input('r', [B, D]), input('w', [B, 1]), input('dead', [H])];
    const { auxk } = auxKLoss(p, auxKHidden(c, preActivations(c, p, x), dead), x, r, dead, w);
    const gs = grad(
      auxk,
      ALL.map((n) => p[n as AnyParamName]!),
    );
    const graph = Graph.from({
      outputs: { L: auxk, ...Object.fromEntries(ALL.map((n, i) => [`grad.${n}`, gs[i]])) },
    });
    const f64 = { ...feedsFor(c, ALL, 3), r: Float64Array.from({ length: B * D }, (_, i) => Math.sin(i)) };
    const f32 = Object.fromEntries(Object.entries(f64).map(([k, v]) => [k, Float32Array.from(v)]));
    const res = finiteDifferenceCheck({
      graph,
      feeds: { f32, f64 },
      tol: { atol: 0, rtol: 0 },
      wrt: ALL.map((name) => ({ name, shape: [], gen: normal() })),
    });
    expect(evaluateGraph(graph, f64).get(auxk)![0]).toBeGreaterThan(0);
    expect(res.checked).toBeGreaterThan(20);
    expect(res.worst, res.at).toBeLessThan(1e-6);
  });

  it('AuxK with nothing dead adds 0 and not one bit of gradient', () => {
    const plain: ModernSaeConfig = { ...base, architecture: 'topk', k: 2, reconLoss: 'nmse' };
    const withAux: ModernSaeConfig = { ...plain, auxk: { kAux: 2 } };
    const p = problem(withAux, ALL);
    const feeds = { ...p.feeds.f64, dead: new Float64Array(H) };
    const v = evaluateGraph(p.graph, feeds);
    const q = problem(plain, ALL);
    const u = evaluateGraph(q.graph, q.feeds.f64);
    expect(v.get(p.graph.outputs.L)).toEqual(u.get(q.graph.outputs.L));
    for (const n of ALL)
      expect(v.get(p.graph.outputs[`grad.${n}`])).toEqual(u.get(q.graph.outputs[`grad.${n}`]));
    // With latents dead the loss does change: the comparison above is not vacuous.
    expect(evaluateGraph(p.graph, p.feeds.f64).get(p.graph.outputs.L)).not.toEqual(u.get(q.graph.outputs.L));
  });

  it('JumpReLU: ∂total/∂log θ_i = θ_i Σ_b R_bi (−(θ_i/ε) G_bi − λ/(Bε)), the README closed form', () => {
    const eps = 2; // wide, so that many entries fall inside the rectangle
    const lam = 0.2;
    const c: ModernSaeConfig = {
      ...base,
      architecture: 'jumprelu',
      l0Coefficient: lam,
      jumpreluBandwidth: eps,
    };
    const g = modernLossGraph(c, B);
    const f = feedsFor(c, g.names, 7);
    const v = evaluateGraph(Graph.from({ outputs: g.outputs }), f);
    const pre = v.get(g.outputs.hiddenPre)!;
    const recon = v.get(g.outputs.recon)!;
    const got = v.get(g.outputs['grad.log_threshold'])!;
    let inside = 0;
    for (let i = 0; i < H; i++) {
      const th = Math.exp(f.log_threshold[i]);
      let want = 0;
      for (let b = 0; b < B; b++) {
        if (!(Math.abs(pre[b * H + i] - th) < eps / 2)) continue;
        inside++;
        let G = 0;
        for (let d = 0; d < D; d++) G += (2 / B) * (recon[b * D + d] - f.x[b * D + d]) * f.W_dec[i * D + d];
        want += th * (-(th / eps) * G - lam / (B * eps));
      }
      expect(got[i]).toBeCloseTo(want, 12);
    }
    expect(inside).toBeGreaterThan(5);
  });
});
