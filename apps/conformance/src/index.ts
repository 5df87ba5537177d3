// The conformance suite: every backend against the float64 reference, the PyTorch golden cases,
// the float32 CPU backend (training) and onnxruntime (export round trip). A library as well as a
// command: third parties run it on their own backend, or reuse the case generators.
import { createCpuBackend } from '@saekit/backend-cpu';
import type { Backend } from '@saekit/core';
import { createReferenceBackend, type Tolerance } from '@saekit/core/testing';
import { goldenCases } from './cases/golden.js';
import { onnxCases } from './cases/onnx.js';
import { primitiveCases } from './cases/primitives.js';
import { saeCases } from './cases/sae.js';
import { trainCases } from './cases/train.js';
import { vjpCases } from './cases/vjp.js';
import { runCase } from './run-case.js';
import type {
  CaseContext,
  CaseGroup,
  ConformanceCase,
  ConformanceReport,
  ConformanceRow,
  ConformanceTotals,
} from './types.js';

export { gens } from '@saekit/core/testing';
export { goldenCases, goldenFileCase, goldenFileCases } from './cases/golden.js';
export { ONNX_TRAIN_STEPS, type OnnxRoundTrip, onnxCase, onnxCases } from './cases/onnx.js';
export { forwardCase, type InputSpec, type PrimitiveSpec, vjpCase } from './cases/primitive-spec.js';
export { matmulSpec, primitiveCases, primitiveSpecs } from './cases/primitives.js';
export { saeCase, saeCases } from './cases/sae.js';
export { modelName, saeConfig, saeData, saeVariants, variantName } from './cases/sae-data.js';
export { TRAIN_STEPS, trainCase, trainCases, trainSteps } from './cases/train.js';
export { vjpCases, vjpSpecs } from './cases/vjp.js';
export { evaluate, evaluateBoth, type PairedFeeds } from './evaluate.js';
export { findRepoRoot, resolveGoldenDir } from './golden-dir.js';
export { isUnsupportedOpError, runCase, worstComparison } from './run-case.js';
export { formatSummary, formatTable } from './table.js';
export * from './tolerances.js';
export * from './types.js';

export interface CaseOptions {
  /** Where the PyTorch golden cases are; default `$SAEKIT_GOLDEN_DIR`, else the repo's `tools/test-data/golden`. */
  readonly goldenDir?: string;
  /** Default `GOLDEN_TOLERANCE` (atol 1e-6, rtol 1e-4), the bound the golden README calls fair. */
  readonly goldenTolerance?: Tolerance;
}

/** Every case of the suite, in group order. */
export function conformanceCases(options: CaseOptions = {}): ConformanceCase[] {
  return [
    ...primitiveCases(),
    ...vjpCases(),
    ...goldenCases({ dir: options.goldenDir, tolerance: options.goldenTolerance }),
    ...saeCases(),
    ...trainCases(),
    ...onnxCases(),
  ];
}

/** The id a filter is matched against: `group/name`, e.g. `vjp/sigmoid 7x13`. */
export const caseId = (c: Pick<ConformanceCase, 'group' | 'name'>): string => `${c.group}/${c.name}`;

/** A filter as a RegExp; a string is a regular expression (an invalid one throws a clear error). */
export function toFilter(filter: string | RegExp): RegExp {
  if (filter instanceof RegExp) return filter;
  try {
    return new RegExp(filter);
  } catch (e) {
    throw new SyntaxError(`--filter: not a regular expression: ${filter} (${(e as Error).message})`);
  }
}

export function selectCases(
  cases: readonly ConformanceCase[],
  filter?: string | RegExp,
  groups?: readonly CaseGroup[],
): ConformanceCase[] {
  const re = filter === undefined ? undefined : toFilter(filter);
  return cases.filter((c) => (!groups || groups.includes(c.group)) && (!re || re.test(caseId(c))));
}

export interface ConformanceOptions extends CaseOptions {
  /** Runs only the cases whose `group/name` matches. */
  readonly filter?: string | RegExp;
  /** Runs only these groups. */
  readonly groups?: readonly CaseGroup[];
  /** The cases to run instead of `conformanceCases(options)` (e.g. generated once for several backends). */
  readonly cases?: readonly ConformanceCase[];
  /**
   * The float64 reference; default `createReferenceBackend()` from @saekit/core/testing: naive loops
   * that share no code with any backend, so backend-cpu's kernels are checked too.
   */
  readonly reference?: Backend<Float64Array>;
  /**
   * The float32 baseline the training case compares with. Default: the CPU backend unfused and on
   * one thread, so even the CPU backend (fused, threaded) is compared with another code path.
   */
  readonly f32Baseline?: Backend<Float32Array>;
  /** Called after each case with its row (progress, streaming output). */
  readonly onCase?: (row: ConformanceRow, index: number, total: number) => void;
}

export function totalsOf(rows: readonly ConformanceRow[]): ConformanceTotals {
  const count = (s: ConformanceRow['status']): number => rows.filter((r) => r.status === s).length;
  return {
    total: rows.length,
    passed: count('pass'),
    failed: count('fail'),
    errors: count('error'),
    unsupported: count('unsupported'),
    skipped: count('skipped'),
  };
}

/**
 * Runs the suite on a backend, one case after another. Never throws for a case: a wrong value is
 * `fail`, an op the backend lacks is `unsupported`, any other exception is `error`, and the suite
 * goes on.
 */
export async function runConformance(
  backend: Backend,
  options: ConformanceOptions = {},
): Promise<ConformanceReport> {
  const t0 = performance.now();
  const cases = selectCases(options.cases ?? conformanceCases(options), options.filter, options.groups);
  const ctx: CaseContext = {
    reference: options.reference ?? createReferenceBackend(),
    f32Baseline: options.f32Baseline ?? createCpuBackend({ fuse: false, threads: 1 }),
  };
  const rows: ConformanceRow[] = [];
  for (const [i, c] of cases.entries()) {
    const row = await runCase(backend, c, ctx);
    rows.push(row);
    options.onCase?.(row, i, cases.length);
  }
  const totals = totalsOf(rows);
  return {
    backend: backend.name,
    rows,
    totals,
    ok: totals.failed === 0 && totals.errors === 0,
    ms: Math.round(performance.now() - t0),
  };
}
