import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const app = resolve(import.meta.dirname, '..');
const main = join(app, 'dist/main.js');
const tmp = mkdtempSync(join(tmpdir(), 'saekit-conformance-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// The same bound as vitest's (vitest.shared.ts): it catches a hang, not a busy machine.
function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd: app,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('saekit-conformance', () => {
  beforeAll(() => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run pnpm build first`);
  });

  it('exits 1 and prints the failing rows for a broken backend', () => {
    const r = run('--backend', 'test/fixtures/broken-sigmoid.mjs', '--filter', 'sigmoid');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/^== broken-sigmoid ==\n/);
    expect(r.stdout).toMatch(/\n {2}case +max abs +max rel +tol +status\n/);
    expect(r.stdout).toMatch(/\n {2}sigmoid 7x13 +1\.00e-3 +\S+ +\S+ +FAIL\n {6}y: max abs 1\.00e-3 > tol /);
    expect(r.stdout).toMatch(/\n {2}relu\/sigmoid\/kl 20→12 b9 .* FAIL\n/);
    expect(r.stdout).toMatch(
      /\nbroken-sigmoid: \d+ passed, [1-9]\d* failed, 0 errors, 0 unsupported, 0 skipped \(\d+ cases/,
    );
    expect(r.stdout).not.toMatch(/\n {2}(neg|add|exp) /); // the filter kept only sigmoid cases
  });

  it('exits 0 on a passing backend and writes the JSON report atomically', () => {
    const out = join(tmp, 'sub', 'report.json');
    const r = run('--backend', 'cpu', '--filter', '^primitive/add 7x13', '--json', out);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    expect(doc.reports).toHaveLength(1);
    const rep = doc.reports[0];
    expect(rep.backend).toBe('cpu');
    expect(rep.ok).toBe(true);
    expect(rep.rows.length).toBeGreaterThan(3);
    expect(
      rep.rows.every(
        (x: { case: string; status: string }) => x.case.startsWith('add 7x13') && x.status === 'pass',
      ),
    ).toBe(true);
    expect(Object.keys(rep.rows[0]).sort()).toEqual([
      'backend',
      'case',
      'group',
      'maxAbs',
      'maxRel',
      'ms',
      'status',
      'tensor',
      'tol',
    ]);
    expect(rep.rows[0].tensor).toBe('y');
    expect(readdirSync(join(tmp, 'sub'))).toEqual(['report.json']); // no temp file left
  });

  it('exits 2 with one line for an unknown flag', () => {
    const r = run('--bogus');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("saekit-conformance: unknown option '--bogus' (see --help)\n");
    expect(r.stdout).toBe('');
  });

  it('exits 2 for an unknown backend name, a missing module and a bad regex', () => {
    expect(run('--backend', 'gpu')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/unknown backend "gpu"/),
    });
    expect(run('--backend', './nope.mjs')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/backend module not found: .*nope\.mjs/),
    });
    expect(run('--filter', '(')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--filter: not a regular expression/),
    });
  });

  it('exits 1 with a clear message for a module that exports no backend', () => {
    const r = run('--backend', 'test/fixtures/no-backend.mjs', '--filter', '^primitive/neg');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /ERROR: the backend could not be loaded: backend module .*no-backend\.mjs: not a saekit Backend/,
    );
  });

  it('lists case ids', () => {
    const r = run('--list', '--filter', '^vjp/matmul');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(8);
  });
});
