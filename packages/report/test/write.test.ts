import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFigures } from '../src/write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'saekit-report-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFigures', () => {
  it('creates the folder and writes every figure', async () => {
    const out = join(dir, 'run', 'report');
    const paths = await writeFigures(out, {
      'loss.png': new Uint8Array([137, 80]),
      'index.html': '<html></html>',
    });
    expect(paths).toEqual([join(out, 'loss.png'), join(out, 'index.html')]);
    expect((await readdir(out)).sort()).toEqual(['index.html', 'loss.png']);
    expect(await readFile(join(out, 'index.html'), 'utf8')).toBe('<html></html>');
  });

  it('refuses names that are not plain file names', async () => {
    for (const name of ['../x.png', 'a/b.png', '', '..']) {
      await expect(writeFigures(dir, { [name]: 'x' })).rejects.toThrow(/not a plain file name/);
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
