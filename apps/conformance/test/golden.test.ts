import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCpuBackend } from '@saekit/backend-cpu';
import { readGoldenDoc } from '@saekit/test-data';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot, resolveGoldenDir, runConformance } from '../src/index.js';

const jsonTensors = (_: string, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v);
const tmp = mkdtempSync(join(tmpdir(), 'saekit-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the golden directory', () => {
  it('defaults to the copy kept in the repo, unless $SAEKIT_GOLDEN_DIR names another', () => {
    const root = findRepoRoot()!;
    expect(root).toBe(resolve(import.meta.dirname, '../../..'));
    expect(resolveGoldenDir(undefined, {}).dir).toBe(resolve(root, 'tools/test-data/golden'));
    expect(resolveGoldenDir(undefined, { SAEKIT_GOLDEN_DIR: tmp })).toEqual({ dir: tmp, tried: [tmp] });
  });

  it('reports the golden cases as skipped when the directory is missing', async () => {
    const r = await runConformance(createCpuBackend(), {
      goldenDir: join(tmp, 'missing'),
      groups: ['golden'],
    });
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ group: 'golden', status: 'skipped' });
    expect(r.rows[0].message).toMatch(/^golden dir not found \(tried .*missing\)$/);
    expect(r.ok).toBe(true);
    expect(r.totals.skipped).toBe(1);
  });

  it('runs each case, from JSON alone or the compact form, and a file that does not parse is an error row', async () => {
    const src = resolveGoldenDir(undefined, {}).dir!;
    const dir = join(tmp, 'cases');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.json'), '{"name": "broken", "config": ');
    writeFileSync(join(dir, 'notes.txt'), 'not a case');
    for (const f of ['small-13x5-b7.json', 'small-13x5-b7.safetensors'])
      copyFileSync(join(src, f), join(dir, f));
    // The same case as one JSON document, as ../shared/golden holds it.
    writeFileSync(
      join(dir, 'small-json.json'),
      JSON.stringify(readGoldenDoc(src, 'small-13x5-b7'), jsonTensors),
    );
    const r = await runConformance(createCpuBackend(), { goldenDir: dir, groups: ['golden'] });
    const broken = r.rows.find((x) => x.case === 'broken')!;
    expect(broken.status).toBe('error');
    expect(broken.message).toMatch(/golden file .*broken\.json could not be read/);
    expect(r.rows.find((x) => x.case === 'small-13x5-b7 relu/sigmoid/kl')?.status).toBe('pass');
    expect(r.rows.find((x) => x.case === 'small-json relu/sigmoid/kl')?.status).toBe('pass');
    expect(r.rows).toHaveLength(3);
  });
});
