import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBackend } from '@saekit/backends';
import { evaluate, initParams, mmcs, Rng, type SaeConfig, type SaeParams } from '@saekit/core';
import { saveCheckpoint } from '@saekit/core/node';
import { syntheticSparse } from '@saekit/datasets';
import { readGoldenDoc, resolveGoldenDir } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { evalDocument, formatMetricsTable } from '../src/report/metrics-table.js';
import { parseMetricsJson } from '../src/run-dir.js';
import { saekit } from './run.js';

/** `key value` pairs of the printed table (a key printed twice keeps its first value). */
function printed(table: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of table.split('\n')) {
    const m = /^ {2}(\w+) +(\S+)/.exec(line);
    if (m && !out.has(m[1])) out.set(m[1], Number(m[2]));
  }
  return out;
}

describe('the table saekit eval prints, on the PyTorch metrics case (metrics-13x24-b157)', () => {
  it('prints every metric within the golden bound (dead_count exactly), from evaluate on the cpu backend', async () => {
    const doc = readGoldenDoc(
      join(resolveGoldenDir().dir ?? '', 'modern'),
      'metrics-13x24-b157',
    ) as unknown as {
      params: SaeParams;
      batch: Float32Array;
      expect: { metrics: Record<string, number> };
    };
    const D = 13;
    const H = 24;
    // The case's standard SAE subtracts b_dec before encoding; folded into b_enc it is a relu SAE.
    const p = doc.params;
    const bEnc = p.b_enc.map((b, j) => {
      let s = b;
      for (let d = 0; d < D; d++) s -= p.b_dec[d] * p.W_enc[d * H + j];
      return s;
    });
    const config: SaeConfig = {
      inputDim: D,
      hiddenDim: H,
      encoder: 'relu',
      decoder: 'identity',
      sparsity: { kind: 'l1', weight: 0.1 },
    };
    const data = { name: 'golden/metrics', x: doc.batch, n: 157, dim: D };
    const m = await evaluate(await loadBackend('cpu'), config, { ...p, b_enc: bEnc }, data);
    const table = formatMetricsTable(evalDocument('golden', data.name, m));
    const got = printed(table);
    const want = doc.expect.metrics;
    expect(Object.keys(want)).toHaveLength(16);
    for (const [k, v] of Object.entries(want)) {
      expect(got.has(k), `${k} is printed`).toBe(true);
      expect(Math.abs(got.get(k)! - v), `${k}: printed ${got.get(k)}, PyTorch ${v}`).toBeLessThanOrEqual(
        1e-6 + 1e-4 * Math.abs(v),
      );
    }
    expect(got.get('dead_count')).toBe(2);
    expect(table).toMatch(/^golden on golden\/metrics \(157 examples\)\n/);
    expect(table).toMatch(/\n {2}dead_count +2 {2}of 24 latents\n/);
  });
});

describe('saekit eval on a saved model', () => {
  it('prints the table, and --json writes the same values (with mmcs on synthetic data)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'saekit-eval-'));
    const config: SaeConfig = {
      inputDim: 64,
      hiddenDim: 32,
      encoder: 'relu',
      decoder: 'identity',
      sparsity: { kind: 'l1', weight: 1e-3 },
    };
    const params = initParams(config, new Rng(5));
    await saveCheckpoint(join(dir, 'model'), config, params);
    const json = join(dir, 'm.json');
    const r = saekit('eval', '--model', join(dir, 'model'), '--limit', '300', '--json', json);
    expect(r.code, r.stderr).toBe(0);
    const doc = parseMetricsJson(await readFile(json, 'utf8')) as Record<string, unknown> & {
      saebench: Record<string, number> & { featureDensity: number[] };
    };
    // What the command computed is what core computes on the same 300 test rows.
    const s = syntheticSparse({ seed: 0 });
    const test = { ...s.test, n: 300, x: s.test.x.subarray(0, 300 * 64) };
    const m = await evaluate(await loadBackend('cpu'), config, params, test);
    expect(doc.saebench.explained_variance).toBe(m.saebench.explained_variance);
    expect(doc.saebench.featureDensity).toEqual(m.saebench.featureDensity);
    expect(doc.mse).toBe(m.mse);
    expect(doc.mmcs).toBe(mmcs(s.dictionary, 128, params.W_dec, 32));
    // The table prints each of them, rounded to 6 digits.
    const got = printed(r.stdout);
    for (const k of ['explained_variance', 'l0', 'l2_ratio', 'freq_over_1_percent', 'mmcs']) {
      const v = k === 'mmcs' ? (doc.mmcs as number) : doc.saebench[k];
      expect(got.get(k), k).toBe(Number(v.toPrecision(6)));
    }
    expect(r.stdout).not.toMatch(/^\{/);

    const j = saekit('eval', '--model', join(dir, 'model'), '--limit', '300', '--json', '-');
    expect(j.code, j.stderr).toBe(0);
    expect((JSON.parse(j.stdout) as { saebench: { l0: number } }).saebench.l0).toBe(m.saebench.l0);
  });
});
