import { type Backend, UnsupportedOpError } from '@saekit/core';
import type { Comparison } from '@saekit/core/testing';
import { type CaseContext, type ConformanceCase, type ConformanceRow, SkipCase } from './types.js';

/**
 * An op the backend does not implement: `UnsupportedOpError` only (by class, or by name for a
 * backend built against another copy of @saekit/core). A message that merely mentions
 * "unsupported" is an error row: it may be a real crash, and `unsupported` rows do not fail a run.
 */
export function isUnsupportedOpError(e: unknown): boolean {
  if (e instanceof UnsupportedOpError) return true;
  return (e as { name?: unknown } | null)?.name === 'UnsupportedOpError';
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/** The comparison that is furthest beyond (or closest to) its bound; failures first. */
export function worstComparison(cs: readonly Comparison[]): Comparison | undefined {
  const ratio = (c: Comparison): number => (c.tol > 0 ? c.maxAbs / c.tol : c.maxAbs > 0 ? Infinity : 0);
  const worse = (a: Comparison, b: Comparison): boolean =>
    a.pass !== b.pass ? !a.pass : ratio(a) > ratio(b);
  let worst: Comparison | undefined;
  for (const c of cs) if (!worst || worse(c, worst)) worst = c;
  return worst;
}

const fmt = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : String(x));

/** Runs one case; never throws: every outcome is a row. */
export async function runCase(
  backend: Backend,
  c: ConformanceCase,
  ctx: CaseContext,
): Promise<ConformanceRow> {
  const t0 = performance.now();
  const base = { backend: backend.name, case: c.name, group: c.group };
  const ms = (): number => Math.round((performance.now() - t0) * 10) / 10;
  try {
    const cs = await c.run(backend, ctx);
    if (!cs.length) throw new Error('the case compared nothing');
    const worst = worstComparison(cs)!;
    const failed = cs.filter((x) => !x.pass);
    return {
      ...base,
      maxAbs: worst.maxAbs,
      maxRel: worst.maxRel,
      tol: worst.tol,
      tensor: worst.name,
      status: failed.length ? 'fail' : 'pass',
      ...(failed.length
        ? {
            message: failed
              .map(
                (x) =>
                  `${x.name}: max abs ${fmt(x.maxAbs)} > tol ${fmt(x.tol)}${x.note ? ` (${x.note})` : ''}`,
              )
              .join('; '),
          }
        : {}),
      ms: ms(),
    };
  } catch (e) {
    const status = e instanceof SkipCase ? 'skipped' : isUnsupportedOpError(e) ? 'unsupported' : 'error';
    return { ...base, maxAbs: null, maxRel: null, tol: null, status, message: message(e), ms: ms() };
  }
}
