import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

// A read-only disk cannot be mounted in a test: mkdir under a marked directory fails as Node
// fails on one, and the run directory's check must pass that reason on.
vi.mock('node:fs/promises', async (orig) => {
  const fs = await orig<typeof import('node:fs/promises')>();
  const mkdir = async (path: string, opts?: object) => {
    if (String(path).includes('read-only-disk')) {
      const e = new Error(`EROFS: read-only file system, mkdir '${path}'`) as NodeJS.ErrnoException;
      e.code = 'EROFS';
      throw e;
    }
    return fs.mkdir(path, opts);
  };
  return { ...fs, mkdir, default: { ...fs, mkdir } };
});

describe('checkRunDir', () => {
  it('names the read-only file system, not the ENOENT of a missing parent', async () => {
    const { checkRunDir } = await import('../src/run-dir.js');
    const { mkdir } = await import('node:fs/promises');
    const base = await mkdtemp(join(tmpdir(), 'saekit-ro-'));
    const disk = join(base, 'read-only-disk');
    await mkdir(join(base, 'x')); // the mock passes other paths through
    await import('node:fs').then((fs) => fs.mkdirSync(disk));
    await expect(checkRunDir(join(disk, 'runs', 'a'), { overwrite: false })).rejects.toThrow(
      /cannot write the run directory .*read-only-disk: EROFS: read-only file system$/,
    );
  });
});
