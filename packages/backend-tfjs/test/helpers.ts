import { createCpuBackend } from '@saekit/backend-cpu';
import { Graph, input, type Node, type Rng, type Shape, sizeOf } from '@saekit/core';
import { type Comparison, compareTensors, type Tolerance } from '@saekit/core/testing';
import { createTfjsBackend, type TfjsBackend } from '../src/index.js';

/** Both Node engines; every agreement test runs on each. */
export const ENGINES = ['wasm', 'cpu'] as const;
export type Engine = (typeof ENGINES)[number];

/** The tolerance the brief asks for: float32 against float32, different kernels. */
export const TOL: Tolerance = { atol: 1e-6, rtol: 1e-5 };

const backends = new Map<string, Promise<TfjsBackend>>();
export function tfjsBackend(engine: Engine): Promise<TfjsBackend> {
  let b = backends.get(engine);
  if (!b) {
    b = createTfjsBackend({ engine });
    backends.set(engine, b);
  }
  return b;
}

export const cpu = createCpuBackend();

export function randn(rng: Rng, shape: Shape, scale = 1, offset = 0): Float32Array {
  return rng.normalArray(sizeOf(shape), offset, scale);
}

/** Inputs named x0, x1, ...; `f` builds the node under test from them. */
export interface Agreement {
  readonly comparison: Comparison;
  readonly expected: Float32Array;
  readonly actual: Float32Array;
  readonly shape: Shape;
}

/** Runs y = f(x0, x1, ...) on the CPU backend and on a tfjs backend, and compares. */
export async function agree(
  backend: TfjsBackend,
  f: (...xs: Node[]) => Node,
  args: readonly (readonly [Shape, Float32Array])[],
  tol: Tolerance = TOL,
  label = '',
): Promise<Agreement> {
  const xs = args.map(([s], i) => input(`x${i}`, s));
  const y = f(...xs);
  const graph = Graph.from({ outputs: { y } });
  const feeds = Object.fromEntries(args.map(([, v], i) => [`x${i}`, v]));
  const expected = Float32Array.from((await (await cpu.compile(graph)).run(feeds)).y);
  const exe = await backend.compile(graph);
  try {
    const actual = (await exe.run(feeds)).y;
    const name = `${backend.name} ${label || y.op.kind} [${args.map(([s]) => `[${s}]`).join(' ')}]`;
    return { comparison: compareTensors(name, actual, expected, tol), expected, actual, shape: y.shape };
  } finally {
    exe.dispose();
  }
}

/**
 * Exact agreement on special values: NaN where the reference has NaN, the same infinities, and
 * finite values within the tolerance (each against its own magnitude).
 */
export function specialMismatches(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance = TOL,
): string[] {
  const bad: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const ok = Number.isNaN(e)
      ? Number.isNaN(a)
      : Number.isFinite(e)
        ? Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e)
        : a === e;
    if (!ok) bad.push(`[${i}] ${a} vs ${e}`);
  }
  return bad;
}
