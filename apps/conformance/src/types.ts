import type { Backend } from '@saekit/core';
import type { Comparison } from '@saekit/core/testing';

/** Which part of the suite a case belongs to. */
export type CaseGroup = 'primitive' | 'vjp' | 'golden' | 'sae' | 'train' | 'onnx';
export const CASE_GROUPS: readonly CaseGroup[] = ['primitive', 'vjp', 'golden', 'sae', 'train', 'onnx'];

/**
 * `unsupported`: the backend refused an op (UnsupportedOpError); allowed, not a failure.
 * `error`: anything else went wrong (a crash, a wrong shape, NaN where the reference is finite...).
 * `skipped`: the case could not be run here (e.g. the golden directory is missing).
 */
export type CaseStatus = 'pass' | 'fail' | 'unsupported' | 'error' | 'skipped';

/** What a case runs against besides the backend under test. */
export interface CaseContext {
  /** The float64 reference (by default @saekit/core/testing's naive loops, no backend's code). */
  readonly reference: Backend<Float64Array>;
  /** The float32 CPU backend: the baseline for multi-step training. */
  readonly f32Baseline: Backend<Float32Array>;
}

/** One check of the suite. `run` returns one comparison per tensor; the case passes when all do. */
export interface ConformanceCase {
  readonly group: CaseGroup;
  /** Unique within its group, e.g. `matmul transB 7x13·5x13`. Filters match `group/name`. */
  readonly name: string;
  run(backend: Backend, ctx: CaseContext): Promise<Comparison[]>;
}

/**
 * One row of a report: the case's worst tensor (largest error relative to its bound). The figures
 * are null when nothing was compared (error, unsupported, skipped); Infinity means NaN or a length
 * mismatch where numbers were expected.
 */
export interface ConformanceRow {
  readonly backend: string;
  readonly case: string;
  readonly group: CaseGroup;
  /** max|actual - expected| of the worst tensor. */
  readonly maxAbs: number | null;
  /** maxAbs / max|expected|. */
  readonly maxRel: number | null;
  /** The bound maxAbs had to stay under: atol + rtol * max|expected|. */
  readonly tol: number | null;
  /** Which tensor of the case the figures are from (e.g. `grad.W_dec`), when something was compared. */
  readonly tensor?: string;
  readonly status: CaseStatus;
  /** For a failure, the tensors out of bound; for an error, unsupported or skipped row, why. */
  readonly message?: string;
  readonly ms: number;
}

export interface ConformanceTotals {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  readonly unsupported: number;
  readonly skipped: number;
}

export interface ConformanceReport {
  readonly backend: string;
  readonly rows: readonly ConformanceRow[];
  readonly totals: ConformanceTotals;
  /** True when no row failed or errored (unsupported and skipped rows are allowed). */
  readonly ok: boolean;
  readonly ms: number;
}

/** Thrown by a case that cannot run here; its row becomes `skipped` with the message. */
export class SkipCase extends Error {
  override name = 'SkipCase';
}
