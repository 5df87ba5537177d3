import { Graph, Rng } from '../../src/index.js';
import { evaluateGraph, type PrimitiveProblem } from '../../src/testing/index.js';

/** The scalar output `L` of a graph at the given float64 input values. */
function lossAt(graph: Graph, feeds: Record<string, Float64Array>): number {
  return evaluateGraph(graph, feeds).get(graph.outputs.L)![0];
}

export interface FdReport {
  /** Coordinates compared. */
  readonly checked: number;
  /** Coordinates skipped as kinks (the one-sided slopes differ by a jump, not by curvature). */
  readonly kinks: number;
  /** The worst |numeric - analytic| / max(1, |numeric|), with where it was. */
  readonly worst: number;
  readonly at: string;
}

/**
 * Checks each gradient output `grad.<x>` of a VJP problem against central finite differences of
 * its `L`, in float64, over every coordinate of small inputs and `sample` seeded ones of larger
 * ones. A coordinate where L has a kink (relu or abs at 0, a tie of maximum) is skipped: there
 * the one-sided slopes differ by a jump that does not shrink with the step, while on a smooth
 * function they differ by step × curvature, which halves when the step does.
 */
export function finiteDifferenceCheck(p: PrimitiveProblem, eps = 1e-5, sample = 24): FdReport {
  const feeds = Object.fromEntries(Object.entries(p.feeds.f64).map(([k, v]) => [k, Float64Array.from(v)]));
  const analytic = evaluateGraph(p.graph, feeds);
  // L alone: each step of the differences evaluates only the forward pass.
  const lossGraph = Graph.from({ outputs: { L: p.graph.outputs.L } });
  const L0 = lossAt(lossGraph, feeds);
  const rng = new Rng(1234);
  let checked = 0;
  let kinks = 0;
  let worst = 0;
  let at = '';
  for (const s of p.wrt) {
    const x = feeds[s.name];
    const g = analytic.get(p.graph.outputs[`grad.${s.name}`])!;
    const coords =
      x.length <= 2 * sample ? [...x.keys()] : Array.from({ length: sample }, () => rng.int(x.length));
    for (const j of coords) {
      const keep = x[j];
      const at1 = (d: number): number => {
        x[j] = keep + d;
        const v = lossAt(lossGraph, feeds);
        x[j] = keep;
        return v;
      };
      const [up, down, upHalf, downHalf] = [at1(eps), at1(-eps), at1(eps / 2), at1(-eps / 2)];
      const jump = (up - L0) / eps - (L0 - down) / eps;
      const jumpHalf = (upHalf - L0) / (eps / 2) - (L0 - downHalf) / (eps / 2);
      if (Math.abs(jump) > 1e-6 && Math.abs(jumpHalf) > 0.75 * Math.abs(jump)) {
        kinks++;
        continue;
      }
      const numeric = (up - down) / (2 * eps);
      const err = Math.abs(numeric - g[j]) / Math.max(1, Math.abs(numeric));
      checked++;
      if (err > worst) {
        worst = err;
        at = `${s.name}[${j}]: numeric ${numeric}, analytic ${g[j]}`;
      }
    }
  }
  return { checked, kinks, worst, at };
}
