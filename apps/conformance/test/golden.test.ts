import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCpuBackend } from '@saekit/backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot, resolveGoldenDir, runConformance } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'saekit-golden-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the golden directory', () => {
  it('defaults to ../shared/golden next to the repo root, after $SAEKIT_GOLDEN_DIR', () => {
    const root = findRepoRoot()!;
    expect(root).toBe(resolve(import.meta.dirname, '../../..'));
    expect(resolveGoldenDir(undefined, {}).tried).toEqual([resolve(root, '../shared/golden')]);
    expect(resolveGoldenDir(undefined, { SAEKIT_GOLDEN_DIR: tmp })).toEqual({
      dir: tmp,
      tried: [tmp, resolve(root, '../shared/golden')],
    });
    expect(resolveGoldenDir('/no/such/dir', { SAEKIT_GOLDEN_DIR: tmp })).toEqual({
      dir: undefined,
      tried: ['/no/such/dir'],
    });
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

  it('runs each *.json, and a file that does not parse is an error row', async () => {
    const src = resolveGoldenDir().dir;
    const dir = join(tmp, 'cases');
    rmSync(dir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.json'), '{"name": "broken", "config": ');
    writeFileSync(join(dir, 'notes.txt'), 'not a case');
    if (src) copyFileSync(join(src, 'small-13x5-b7.json'), join(dir, 'small-13x5-b7.json'));
    const r = await runConformance(createCpuBackend(), { goldenDir: dir, groups: ['golden'] });
    const broken = r.rows.find((x) => x.case === 'broken')!;
    expect(broken.status).toBe('error');
    expect(broken.message).toMatch(/golden file .*broken\.json could not be read/);
    if (src) expect(r.rows.find((x) => x.case === 'small-13x5-b7 relu/sigmoid/kl')?.status).toBe('pass');
    expect(r.rows).toHaveLength(src ? 2 : 1);
  });
});
