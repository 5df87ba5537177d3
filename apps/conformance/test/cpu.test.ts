import { createCpuBackend } from '@saekit/backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CASE_GROUPS,
  type ConformanceReport,
  caseId,
  conformanceCases,
  formatTable,
  runConformance,
} from '../src/index.js';

describe('the CPU backend', () => {
  let report: ConformanceReport;
  beforeAll(async () => {
    report = await runConformance(createCpuBackend());
  });

  it('passes every case', () => {
    const bad = report.rows.filter((r) => r.status !== 'pass');
    expect(bad.map((r) => `${r.group}/${r.case}: ${r.status} ${r.message ?? ''}`)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.totals.passed).toBe(report.rows.length);
  });

  it('has rows in every group, with measured figures under their bound', () => {
    for (const g of CASE_GROUPS)
      expect(report.rows.filter((r) => r.group === g).length, g).toBeGreaterThan(0);
    for (const r of report.rows) {
      expect(r.maxAbs, r.case).not.toBeNull();
      expect(r.maxAbs!, r.case).toBeLessThanOrEqual(r.tol!);
    }
    // The reference really is float64: float32 arithmetic shows up as non-zero error somewhere.
    expect(report.rows.some((r) => r.group === 'primitive' && r.maxAbs! > 0)).toBe(true);
  });

  it('covers what the spec promises', () => {
    const names = report.rows.map((r) => `${r.group}/${r.case}`);
    const has = (re: RegExp): boolean => names.some((n) => re.test(n));
    for (const re of [
      /^primitive\/matmul 67x129·129x33 → 67x33$/,
      /^primitive\/matmul transA transB 129x67·33x129 → 67x33$/,
      /^primitive\/add 7x1 \+ 1x13$/,
      /^primitive\/sub scalar - 7x13$/,
      /^primitive\/sum 3x4x5 axes \[0,2\] keepDims$/,
      /^primitive\/transpose 3x4x5 perm \[2,0,1\]$/,
      /^primitive\/kthLargest 7x13 k=3 ties$/,
      /^primitive\/where 3x1x5 \? 4x5 : 3x4x1$/,
      /^primitive\/exp 7x13 large$/,
      /^primitive\/mul 7x13 \* 13 tiny$/,
      /^vjp\/matmul transA transB 129x67·33x129 → 67x33$/,
      /^vjp\/div 7x13 \/ 13$/,
      /^golden\/small-13x5-b7 relu\/sigmoid\/kl$/,
      /^sae\/topk3\/identity\/none 20→12 b9$/,
      /^train\/adam 20 steps relu\/sigmoid\/kl/,
      /^onnx\/encoder topk3\/sigmoid\/none 20→12 b9 → onnxruntime$/,
    ]) {
      expect(has(re), String(re)).toBe(true);
    }
    // Every variant, a padded batch; the six TopK variants in the sparse formulation, one padded,
    // and BatchTopK's sparse form.
    expect(report.rows.filter((r) => r.group === 'sae').length).toBe(3 * 2 * 3 + 1 + 6 + 1 + 1);
  });

  it('gives every case a unique id', () => {
    const ids = conformanceCases().map(caseId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('prints a table with a summary line', () => {
    const t = formatTable(report);
    expect(t).toMatch(/^== cpu ==/);
    expect(t).toContain('max abs');
    expect(t).toMatch(/\nprimitive \(\d+ pass\)\n/);
    expect(t).toMatch(
      new RegExp(`cpu: ${report.rows.length} passed, 0 failed, 0 errors, 0 unsupported, 0 skipped`),
    );
  });
});
