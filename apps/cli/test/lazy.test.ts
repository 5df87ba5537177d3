import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TRACE_IMPORTS } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import { MAIN } from './run.js';

const HEAVY = ['backend-tfjs', '@tensorflow', 'backend-onnx', 'onnxruntime-node', 'vega-lite', '@resvg'];

/** The heavy packages a `saekit` run resolves. */
async function heavyPackagesOf(...args: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'saekit-lazy-'));
  const trace = join(dir, 'trace.txt');
  const r = spawnSync(process.execPath, ['--import', TRACE_IMPORTS, MAIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TRACE_FILE: trace },
  });
  expect(r.status, r.stderr).toBe(0);
  const urls = await readFile(trace, 'utf8');
  expect(urls).toContain('backend-cpu'); // the trace sees package imports
  return HEAVY.filter((p) => urls.includes(p));
}

describe('saekit loads what a command needs', () => {
  it('a CPU run without figures loads neither tfjs, ONNX Runtime nor the figure renderer', async () => {
    const args = ['train', '--limit', '300', '--epochs', '1', '--hidden', '8', '--quiet', '--out', 'run'];
    expect(await heavyPackagesOf(...args, '--no-report')).toEqual([]);
    expect(await heavyPackagesOf(...args)).toEqual(['vega-lite', '@resvg']);
  });
});
