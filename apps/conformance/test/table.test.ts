import { describe, expect, it } from 'vitest';
import {
  type ConformanceReport,
  type ConformanceRow,
  formatTable,
  totalsOf,
  worstComparison,
} from '../src/index.js';

const row = (
  r: Partial<ConformanceRow> & Pick<ConformanceRow, 'case' | 'group' | 'status'>,
): ConformanceRow => ({
  backend: 'x',
  maxAbs: null,
  maxRel: null,
  tol: null,
  ms: 1,
  ...r,
});

describe('the table', () => {
  it('groups rows, explains the ones that did not pass, and counts every status', () => {
    const rows = [
      row({ case: 'add 7x13', group: 'primitive', status: 'pass', maxAbs: 1e-7, maxRel: 2e-8, tol: 1e-5 }),
      row({
        case: 'exp 7x13',
        group: 'primitive',
        status: 'fail',
        maxAbs: 0.5,
        maxRel: 0.1,
        tol: 1e-5,
        message: 'y: max abs 5.00e-1 > tol 1.00e-5',
      }),
      row({
        case: 'topk3/relu/kl',
        group: 'sae',
        status: 'unsupported',
        message: 'backend x does not implement op "kthLargest"',
      }),
      row({ case: 'golden cases', group: 'golden', status: 'skipped', message: 'golden dir not found' }),
      row({ case: 'adam', group: 'train', status: 'error', message: 'boom' }),
    ];
    const report: ConformanceReport = { backend: 'x', rows, totals: totalsOf(rows), ok: false, ms: 1234 };
    const t = formatTable(report);
    expect(t.split('\n')[0]).toBe('== x ==');
    expect(t).toMatch(/\nprimitive \(1 pass, 1 fail\)\n/);
    expect(t.indexOf('primitive (')).toBeLessThan(t.indexOf('golden ('));
    expect(t.indexOf('golden (')).toBeLessThan(t.indexOf('sae ('));
    expect(t).toMatch(
      /\n {2}exp 7x13 +5\.00e-1 +1\.00e-1 +1\.00e-5 +FAIL\n {6}y: max abs 5\.00e-1 > tol 1\.00e-5\n/,
    );
    expect(t).toMatch(/\n {2}topk3\/relu\/kl +- +- +- +unsupported\n {6}backend x does not implement/);
    expect(t).toMatch(/\n {2}adam +- +- +- +ERROR\n {6}boom\n/);
    expect(t.split('\n').at(-1)).toBe(
      'x: 1 passed, 1 failed, 1 errors, 1 unsupported, 1 skipped (5 cases, 1.2 s)',
    );
    const quiet = formatTable(report, { problemsOnly: true });
    expect(quiet).not.toContain('add 7x13');
    expect(quiet).toContain('exp 7x13');
  });

  it('reports the worst tensor of a case: failures first, then by error over bound', () => {
    const c = (name: string, maxAbs: number, tol: number) => ({
      name,
      maxAbs,
      maxRel: 0,
      tol,
      pass: maxAbs <= tol,
    });
    expect(
      worstComparison([c('a', 1e-6, 1e-5), c('b', 9e-6, 1e-5), c('c', 1e-9, 1e-10), c('d', 1, 10)])?.name,
    ).toBe('c');
    expect(worstComparison([c('a', 1e-6, 1e-5), c('b', 9e-6, 1e-5)])?.name).toBe('b');
    expect(worstComparison([])).toBeUndefined();
  });
});
