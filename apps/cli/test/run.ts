import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dataForTests } from '@saekit/test-data';
import { decode } from 'fast-png';

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
/** MNIST for the tests that train on it; '' (which no path check finds) when it is not here. */
export const MNIST_DIR =
  dataForTests('mnist', [
    'cli: the seed recipe runs on a slice of MNIST, with the figures',
    'cli: a run made with a relative --data-dir can be redrawn from any directory',
  ]) ?? '';

/** Runs the built `saekit` command; stdin closed, not a TTY. */
export function saekit(...args: string[]): { code: number; stdout: string; stderr: string } {
  return saekitIn(process.cwd(), ...args);
}

/** The same, run from another working directory. */
export function saekitIn(cwd: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Decodes a PNG: its size and how many distinct colours it has (a blank image has one or two). */
export async function checkPng(path: string): Promise<{ width: number; height: number; colours: number }> {
  const png = decode(new Uint8Array(await readFile(path)));
  const ch = png.channels;
  const colours = new Set<number>();
  for (let i = 0; i < png.data.length; i += ch)
    colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
  return { width: png.width, height: png.height, colours: colours.size };
}

/** Starts a run, and once stderr shows `step N ` sends `signal`; resolves to the exit code or signal. */
export function runUntil(
  args: string[],
  step: number,
  signal: NodeJS.Signals,
): Promise<string | number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    let sent = false;
    child.stderr.on('data', (b: Buffer) => {
      text += b.toString();
      if (!sent && new RegExp(`^step ${step} `, 'm').test(text)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('exit', (code, sig) => done(sig ?? code));
  });
}
