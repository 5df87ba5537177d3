import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './args.js';

/**
 * One run at a time per run directory: a lock file beside it (`.NAME.lock`, outside the directory
 * so that creating the directory as a unit and --overwrite are untouched), created exclusively and
 * holding the owner's pid and host. A lock whose pid is gone on this host is stale: it is taken
 * over, with a note. A lock of a live pid (or of another host, which cannot be checked) is refused,
 * naming the pid; `--break-lock` takes it anyway (for a pid reused by another program).
 */
export interface RunLock {
  readonly path: string;
  release(): void;
}

interface LockInfo {
  pid: number;
  host: string;
  started: string;
}

export function lockPath(dir: string): string {
  return join(dirname(dir), `.${basename(dir)}.lock`);
}

export async function acquireRunLock(
  dir: string,
  opts: { breakLock?: boolean; log?: (s: string) => void } = {},
): Promise<RunLock> {
  const path = lockPath(dir);
  await mkdir(dirname(path), { recursive: true }).catch((e: Error) => {
    throw new Error(`cannot write the run directory ${dir}: ${e.message}`);
  });
  const mine: LockInfo = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = `${JSON.stringify(mine)}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx');
      try {
        await fh.writeFile(text);
      } finally {
        await fh.close();
      }
      return lockHandle(path, text);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new Error(`${path}: cannot create the lock: ${(e as Error).message}`);
    }
    const held = await readFile(path, 'utf8').catch(() => '');
    const owner = parseLock(held);
    const alive = owner && owner.host === hostname() ? pidAlive(owner.pid) : true;
    if (alive && !opts.breakLock) {
      const who = owner
        ? `pid ${owner.pid}${owner.host !== hostname() ? ` on ${owner.host}` : ''}, started ${owner.started}`
        : 'an unreadable lock';
      throw new UsageError(
        `${dir} is in use by another saekit run (${who}; lock file ${path}); wait for it to end, or if that process is not a saekit run, pass --break-lock`,
      );
    }
    opts.log?.(
      `${path}: ${alive ? 'breaking the lock' : 'a stale lock'} of pid ${owner?.pid ?? '?'}${alive ? ' (--break-lock)' : ' (no such process any more)'}; taking it over`,
    );
    // Remove only the lock read above: another run may have taken it over meanwhile.
    if ((await readFile(path, 'utf8').catch(() => '')) === held) await unlink(path).catch(() => {});
  }
  throw new Error(`${path}: could not take the lock (another run keeps taking it)`);
}

function lockHandle(path: string, text: string): RunLock {
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    try {
      // Only our own lock: after a --break-lock by another run it is not ours to remove.
      if (readFileSync(path, 'utf8') === text) unlinkSync(path);
    } catch {}
  };
  // process.exit (signals, errors) runs 'exit' listeners synchronously; kill -9 leaves a stale lock.
  process.on('exit', release);
  return { path, release };
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const v = JSON.parse(text) as LockInfo;
    return Number.isInteger(v.pid) && typeof v.host === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
