import { CASE_GROUPS, type CaseStatus, type ConformanceReport, type ConformanceRow } from './types.js';

const num = (x: number | null): string =>
  x === null ? '-' : Number.isFinite(x) ? x.toExponential(2) : String(x);

const STATUS_LABEL: Readonly<Record<CaseStatus, string>> = {
  pass: 'pass',
  fail: 'FAIL',
  error: 'ERROR',
  unsupported: 'unsupported',
  skipped: 'skipped',
};

export interface TableOptions {
  /** Print only rows that did not pass (group headers and the summary stay). */
  readonly problemsOnly?: boolean;
  /** Widest case column; longer names are cut with an ellipsis. Default 64. */
  readonly maxCaseWidth?: number;
}

/** `cpu: 301 passed, 0 failed, 0 errors, 0 unsupported, 1 skipped (302 cases, 2.3 s)` */
export function formatSummary(r: ConformanceReport): string {
  const t = r.totals;
  return (
    `${r.backend}: ${t.passed} passed, ${t.failed} failed, ${t.errors} errors, ${t.unsupported} unsupported, ` +
    `${t.skipped} skipped (${t.total} cases, ${(r.ms / 1000).toFixed(1)} s)`
  );
}

const groupTally = (rows: readonly ConformanceRow[]): string => {
  const by = new Map<CaseStatus, number>();
  for (const r of rows) by.set(r.status, (by.get(r.status) ?? 0) + 1);
  return [...by.entries()].map(([s, n]) => `${n} ${s}`).join(', ');
};

/**
 * One backend's table, grouped: case, max abs error, max rel error, tolerance, status; under a
 * row that did not pass, why (the tensors out of bound, or the error). Ends with the summary line.
 */
export function formatTable(r: ConformanceReport, opts: TableOptions = {}): string {
  const maxW = opts.maxCaseWidth ?? 64;
  const w = Math.min(maxW, Math.max(4, ...r.rows.map((x) => x.case.length)));
  const cut = (s: string): string => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const lines: string[] = [`== ${r.backend} ==`];
  const header = `  ${'case'.padEnd(w)}  ${'max abs'.padStart(9)}  ${'max rel'.padStart(9)}  ${'tol'.padStart(9)}  status`;
  for (const g of CASE_GROUPS) {
    const rows = r.rows.filter((x) => x.group === g);
    if (!rows.length) continue;
    lines.push(`${g} (${groupTally(rows)})`);
    const shown = opts.problemsOnly ? rows.filter((x) => x.status !== 'pass') : rows;
    if (shown.length) lines.push(header);
    for (const x of shown) {
      lines.push(
        `  ${cut(x.case)}  ${num(x.maxAbs).padStart(9)}  ${num(x.maxRel).padStart(9)}  ${num(x.tol).padStart(9)}  ${STATUS_LABEL[x.status]}`,
      );
      if (x.status !== 'pass' && x.message) lines.push(`      ${x.message}`);
    }
  }
  lines.push(formatSummary(r));
  return lines.join('\n');
}
