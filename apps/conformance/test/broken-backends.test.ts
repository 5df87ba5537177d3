import { resolve } from 'node:path';
import { loadBackend } from '@saekit/backends';
import { describe, expect, it } from 'vitest';
import { type ConformanceReport, type ConformanceRow, runConformance } from '../src/index.js';

const fixture = (name: string): string => resolve(import.meta.dirname, 'fixtures', name);
const failing = (r: ConformanceReport, group: ConformanceRow['group']): string[] =>
  r.rows.filter((x) => x.group === group && x.status === 'fail').map((x) => x.case);
const passing = (r: ConformanceReport, group: ConformanceRow['group']): string[] =>
  r.rows.filter((x) => x.group === group && x.status === 'pass').map((x) => x.case);

describe('a matmul that ignores transB', () => {
  it('fails, and the failing rows are the ones that use transB', async () => {
    const backend = await loadBackend(fixture('broken-transb.mjs'));
    expect(backend.name).toBe('broken-transb');
    const r = await runConformance(backend);
    expect(r.ok).toBe(false);
    expect(r.totals.errors).toBe(0);

    const prim = failing(r, 'primitive');
    expect(
      prim.every((n) => /^matmul .*transB/.test(n)),
      prim.join('\n'),
    ).toBe(true);
    expect(prim).toEqual(
      expect.arrayContaining([
        'matmul transB 7x13·5x13 → 7x5',
        'matmul transA transB 13x7·5x13 → 7x5',
        'matmul transB 67x129·33x129 → 67x33',
        'matmul transA transB 129x67·33x129 → 67x33',
        'matmul transB 6x6·6x6 → 6x6 square',
        'matmul transB 7x13·5x13 → 7x5 large',
      ]),
    );
    // Without transB the matmul is right.
    expect(passing(r, 'primitive')).toEqual(
      expect.arrayContaining(['matmul 67x129·129x33 → 67x33', 'matmul transA 129x67·129x33 → 67x33']),
    );
    // Every matmul VJP needs a transB product (dA = g·Bᵀ, or the transposed forms).
    const vjp = failing(r, 'vjp');
    expect(vjp.filter((n) => n.startsWith('matmul')).length).toBe(8);
    expect(vjp.every((n) => n.startsWith('matmul'))).toBe(true);
    // Backprop through the dense decoder uses g·W_decᵀ: every dense loss gradient and every golden
    // case is off. The sparse TopK form reaches W_dec through sparseDot/sparseOuter, no transB
    // product, so exactly its cases still pass.
    const sae = passing(r, 'sae');
    expect(sae.length).toBeGreaterThan(0);
    expect(sae.filter((n) => !/ sparse( |$)/.test(n))).toEqual([]);
    // The modern TopK-family golden cases in the sparse formulation likewise: their encoder product
    // is the only dense one and sends no gradient (the selected pre-activations are recomputed).
    const goldenPass = passing(r, 'golden');
    expect(goldenPass.filter((n) => !/ sparse( |$)/.test(n))).toEqual([]);
    expect(goldenPass.length).toBe(10);
    expect(passing(r, 'train').filter((n) => !/ sparse( |$)/.test(n))).toEqual([]);
    const golden = r.rows.find((x) => x.group === 'golden' && x.status === 'fail');
    expect(golden?.message).toMatch(/grad W_enc/);
  });
});

describe('a sigmoid off by 1e-3', () => {
  it('fails exactly the cases that run a sigmoid', async () => {
    const backend = await loadBackend(fixture('broken-sigmoid.mjs'));
    const r = await runConformance(backend);
    expect(r.ok).toBe(false);
    for (const g of ['primitive', 'vjp', 'sae', 'golden'] as const) {
      for (const row of r.rows.filter((x) => x.group === g)) {
        const usesSigmoid = /sigmoid/.test(row.case);
        expect(`${g}/${row.case}: ${row.status}`).toBe(`${g}/${row.case}: ${usesSigmoid ? 'fail' : 'pass'}`);
      }
    }
    expect(failing(r, 'primitive')).toEqual(
      expect.arrayContaining(['sigmoid 7x13', 'sigmoid 7x13 large', 'sigmoid 7x13 tiny']),
    );
    expect(failing(r, 'vjp')).toEqual(expect.arrayContaining(['sigmoid 7x13']));
    expect(failing(r, 'sae')).toEqual(
      expect.arrayContaining(['relu/sigmoid/kl 20→12 b9', 'sigmoid/identity/none 20→12 b9']),
    );
    // The exported encoder has no sigmoid when the encoder is relu; it has one when it is sigmoid.
    expect(failing(r, 'onnx')).toContain('encoder sigmoid/identity/l1 20→12 b9 → onnxruntime');
    expect(passing(r, 'onnx')).toContain('encoder relu/sigmoid/kl 20→12 b9 → onnxruntime');
    const row = r.rows.find((x) => x.case === 'sigmoid 7x13' && x.group === 'primitive')!;
    expect(row.maxAbs).toBeCloseTo(1e-3, 6);
    expect(row.message).toMatch(/^y: max abs 1\.00e-3 > tol/);
  });
});

describe('a where computed as cond * a + (1 - cond) * b', () => {
  it('fails on an unselected NaN and on a non-0/1 condition, passes the rest', async () => {
    const backend = await loadBackend(fixture('arithmetic-where.mjs'));
    const r = await runConformance(backend, { filter: /^(primitive|vjp)\/(where|isFinite)/ });
    expect(failing(r, 'primitive').sort()).toEqual([
      'where 7x13 non-0/1 condition',
      'where 7x13 unselected NaN/±Inf',
    ]);
    expect(r.rows.find((x) => x.case === 'where 7x13 unselected NaN/±Inf')?.maxAbs).toBe(Infinity);
    expect(passing(r, 'primitive')).toContain('isFinite guard 7x13 (NaN, ±Inf)');
    expect(passing(r, 'vjp').length).toBe(3);
  });
});

describe('a backend without kthLargest', () => {
  it('reports those cases as unsupported and passes the rest', async () => {
    const backend = await loadBackend(fixture('lacks-kth-largest.mjs'));
    const r = await runConformance(backend, { filter: /kthLargest|topk|relu/ });
    const unsupported = r.rows.filter((x) => x.status === 'unsupported');
    expect(unsupported.length).toBeGreaterThan(5);
    expect(unsupported.every((x) => /kthLargest|topk/.test(x.case))).toBe(true);
    expect(unsupported[0].message).toMatch(/does not implement op "kthLargest"/);
    expect(r.rows.filter((x) => !/kthLargest|topk/.test(x.case)).every((x) => x.status === 'pass')).toBe(
      true,
    );
    expect(r.ok).toBe(true);
    expect(r.totals.unsupported).toBe(unsupported.length);
  });
});

describe('a backend that throws', () => {
  it('gives error rows and the suite goes on', async () => {
    const { createCpuBackend } = await import('@saekit/backend-cpu');
    const cpu = createCpuBackend();
    const backend = {
      ...cpu,
      name: 'throws-on-where',
      compile: async (...a: Parameters<typeof cpu.compile>) => {
        if (a[0].nodes.some((n) => n.op.kind === 'where')) throw new TypeError('boom: where is broken');
        return cpu.compile(...a);
      },
    };
    const r = await runConformance(backend, { filter: /^primitive\/(where|add)/ });
    const errors = r.rows.filter((x) => x.status === 'error');
    expect(errors.length).toBeGreaterThanOrEqual(6);
    expect(errors.length).toBe(r.rows.filter((x) => x.case.startsWith('where')).length);
    expect(errors.every((x) => x.case.startsWith('where') && x.message === 'boom: where is broken')).toBe(
      true,
    );
    expect(r.rows.filter((x) => x.case.startsWith('add')).every((x) => x.status === 'pass')).toBe(true);
    expect(r.ok).toBe(false);
  });
});
