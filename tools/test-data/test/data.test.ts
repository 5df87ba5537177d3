import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dataForTests, goldenSourceForTests, IDX_FILES, noteSkip, resolveDataDir } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'saekit-data-dir-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A directory with the first `n` of the four IDX files (alternately gzipped and raw names). */
function idxDir(path: string, n = 4): string {
  mkdirSync(path, { recursive: true });
  for (const [i, f] of IDX_FILES.slice(0, n).entries()) writeFileSync(join(path, i % 2 ? f : `${f}.gz`), '');
  return path;
}

describe('resolveDataDir', () => {
  const shared = join(tmp, 'shared');
  const data = join(tmp, 'data');
  const cache = join(tmp, 'cache');
  const env = { SAEKIT_DATA_DIR: data, SAEKIT_CACHE_DIR: cache };
  const tried = [join(shared, 'data', 'mnist'), join(data, 'mnist'), join(cache, 'mnist')];

  it('looks in ../shared/data, then $SAEKIT_DATA_DIR, then the cache, and takes one with all four files', () => {
    expect(resolveDataDir('mnist', env, shared)).toEqual({ dir: undefined, tried });
    idxDir(join(cache, 'mnist'));
    expect(resolveDataDir('mnist', env, shared).dir).toBe(join(cache, 'mnist'));
    idxDir(join(data, 'mnist'), 3);
    expect(resolveDataDir('mnist', env, shared).dir).toBe(join(cache, 'mnist'));
    idxDir(join(data, 'mnist'));
    expect(resolveDataDir('mnist', env, shared).dir).toBe(join(data, 'mnist'));
    idxDir(join(shared, 'data', 'mnist'));
    expect(resolveDataDir('mnist', env, shared)).toEqual({ dir: join(shared, 'data', 'mnist'), tried });
    expect(resolveDataDir('fashion-mnist', env, shared).dir).toBeUndefined();
  });

  it('defaults the cache to ~/.cache/saekit', () => {
    expect(resolveDataDir('fashion-mnist', {}, join(tmp, 'nowhere')).tried).toEqual([
      join(tmp, 'nowhere', 'data', 'fashion-mnist'),
      join(homedir(), '.cache', 'saekit', 'fashion-mnist'),
    ]);
  });
});

describe('tests whose data is missing', () => {
  const log = join(tmp, 'skipped.jsonl');
  const env = { SAEKIT_CACHE_DIR: join(tmp, 'empty-cache'), SAEKIT_SKIP_LOG: log };
  const none = join(tmp, 'no-shared');

  it('are noted for the summary and skipped, or fail under SAEKIT_REQUIRE_DATA=1', () => {
    expect(dataForTests('mnist', ['pkg: a', 'pkg: b'], env, none)).toBeUndefined();
    expect(goldenSourceForTests(['pkg: c'], env, none)).toBeUndefined();
    expect(readFileSync(log, 'utf8')).toBe(
      '{"data":"mnist","tests":["pkg: a","pkg: b"]}\n{"data":"../shared/golden","tests":["pkg: c"]}\n',
    );
    expect(() =>
      dataForTests('fashion-mnist', ['pkg: d'], { ...env, SAEKIT_REQUIRE_DATA: '1' }, none),
    ).toThrow(
      /^SAEKIT_REQUIRE_DATA=1 and no fashion-mnist in any of .*no-shared\/data\/fashion-mnist, .*empty-cache\/fashion-mnist; needed by: pkg: d$/,
    );
    expect(readFileSync(log, 'utf8').split('\n')).toHaveLength(3);
  });

  it('are printed by bin/skipped-tests.mjs as one line, and the log is cleared', () => {
    const bin = fileURLToPath(new URL('../bin/skipped-tests.mjs', import.meta.url));
    writeFileSync(log, '{"data":"mnist","tests":["a: x","b: y"]}\n{"data":"mnist","tests":["a: x"]}\n');
    const r = spawnSync(process.execPath, [bin], {
      env: { ...process.env, SAEKIT_SKIP_LOG: log },
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stdout).toMatch(
      /^skipped 2 tests for lack of data \(mnist: a: x; b: y\); to run them: `pnpm fetch-data`/,
    );
    expect(existsSync(log)).toBe(false);
    // A skip for what the machine lacks besides data (noteSkip) gets its own line, with its reason.
    noteSkip('no WebGPU adapter (requestAdapter gave null)', ['web: trains on webgpu'], {
      SAEKIT_SKIP_LOG: log,
    });
    writeFileSync(log, `${readFileSync(log, 'utf8')}{"data":"mnist","tests":["a: x"]}\n`);
    const both = spawnSync(process.execPath, [bin], {
      env: { ...process.env, SAEKIT_SKIP_LOG: log },
      encoding: 'utf8',
    });
    expect(both.stdout.trimEnd().split('\n')).toEqual([
      'skipped 1 tests this machine cannot run (no WebGPU adapter (requestAdapter gave null): web: trains on webgpu)',
      expect.stringMatching(/^skipped 1 tests for lack of data \(mnist: a: x\)/),
    ]);
    const quiet = spawnSync(process.execPath, [bin], {
      env: { ...process.env, SAEKIT_SKIP_LOG: log },
      encoding: 'utf8',
    });
    expect(quiet.stdout).toBe('');
  });
});
