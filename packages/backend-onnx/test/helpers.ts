import { createCpuBackend } from '@saekit/backend-cpu';
import { type Backend, type Graph, Rng, type SaeConfig, type Shape, sizeOf } from '@saekit/core';
import { type Comparison, compareTensors, formatComparisons } from '@saekit/core/testing';
import { expect } from 'vitest';
import { createOnnxBackend } from '../src/index.js';

export const cpu = createCpuBackend();

/** A seed-like SAE small enough to check by hand: 13 → 5 ReLU → 13 sigmoid, KL sparsity. */
export const SMALL: SaeConfig = {
  inputDim: 13,
  hiddenDim: 5,
  encoder: 'relu',
  decoder: 'sigmoid',
  sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
};

export function randn(rng: Rng, shape: Shape, scale = 1, offset = 0): Float32Array {
  const out = new Float32Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = offset + scale * rng.normal();
  return out;
}

/** Runs a graph once on a backend. */
export async function runOnce(
  backend: Backend<Float32Array>,
  graph: Graph,
  feeds: Record<string, Float32Array>,
  state?: Record<string, Float32Array>,
): Promise<Record<string, Float32Array>> {
  const exe = await backend.compile(graph, { state });
  try {
    const out = await exe.run(feeds);
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Float32Array.from(v)]));
  } finally {
    exe.dispose();
  }
}

/**
 * Runs a graph on the CPU backend and on ONNX Runtime at `opset`, and expects every output to
 * agree within `tol`. Returns the comparisons.
 */
export async function expectSameAsCpu(
  graph: Graph,
  feeds: Record<string, Float32Array>,
  opset: number,
  tol = { atol: 1e-5, rtol: 1e-5 },
): Promise<Comparison[]> {
  const want = await runOnce(cpu, graph, feeds);
  const got = await runOnce(createOnnxBackend({ opset, threads: 1 }), graph, feeds);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  const cs = Object.keys(want).map((k) => compareTensors(k, got[k], want[k], tol));
  expect(
    cs.filter((c) => !c.pass),
    formatComparisons(cs),
  ).toEqual([]);
  return cs;
}

export const rng = (seed: number): Rng => new Rng(seed);
