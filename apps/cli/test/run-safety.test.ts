import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN, saekit } from './run.js';

const tmp = () => mkdtemp(join(tmpdir(), 'saekit-safety-'));
const quick = ['--limit', '2000', '--epochs', '1', '--hidden', '16', '--no-report'];

/** Starts a long `saekit train`, waits until its run directory holds run.json, sends `signal`. */
async function trainAndSignal(out: string, signal: NodeJS.Signals) {
  const child = spawn(
    process.execPath,
    [MAIN, 'train', '--epochs', '100000', '--hidden', '16', '--no-report', '--out', out],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  // The run directory exists from the start, before the first epoch ends.
  while (!existsSync(join(out, 'run.json'))) await new Promise((r) => setTimeout(r, 50));
  const atStart = (await readdir(out)).sort();
  child.kill(signal);
  const code = await exited;
  return { code, stderr, atStart };
}

describe('a run loses nothing', () => {
  it('exists from the start with cfg.json and weights; SIGINT saves a checkpoint, says where, exits 130', async () => {
    const out = join(await tmp(), 'run');
    const r = await trainAndSignal(out, 'SIGINT');
    expect(r.atStart).toEqual(['cfg.json', 'run.json', 'sae_weights.safetensors', 'train_state.safetensors']);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(
      new RegExp(
        `interrupted by SIGINT at epoch \\d+, step \\d+: checkpoint saved in ${out}; continue with saekit train --resume ${out}\\n$`,
      ),
    );
    const state = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).state;
    expect(state.status).toBe('interrupted');
    const ev = saekit('eval', '--model', out, '--limit', '200', '--json', '-');
    expect(ev.code, ev.stderr).toBe(0);
    expect(ev.stderr).toMatch(/is an unfinished run \(interrupted\)/);
    expect(Number.isFinite(JSON.parse(ev.stdout).mse)).toBe(true);
  });

  it('SIGTERM does the same with exit code 143', async () => {
    const out = join(await tmp(), 'run');
    const r = await trainAndSignal(out, 'SIGTERM');
    expect(r.code, r.stderr).toBe(143);
    expect(r.stderr).toMatch(/interrupted by SIGTERM/);
    expect(saekit('eval', '--model', out, '--limit', '200').code).toBe(0);
  });

  it('an existing run directory is refused (exit 2, saying how to proceed), without touching it', async () => {
    const out = join(await tmp(), 'run');
    expect(saekit('train', ...quick, '--out', out).code).toBe(0);
    const before = await readFile(join(out, 'sae_weights.safetensors'));
    const r = saekit('train', ...quick, '--seed', '3', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --out .* already holds files .*pass --overwrite/);
    expect(r.stderr).not.toMatch(/resume/);
    expect(r.stderr).not.toMatch(/training on/); // refused before any data or training
    expect(await readFile(join(out, 'sae_weights.safetensors'))).toEqual(before);
  });

  it('--overwrite replaces the whole old run: no figure or metric of it is left beside the new weights', async () => {
    const out = join(await tmp(), 'run');
    expect(saekit('train', ...quick, '--out', out).code).toBe(0);
    await writeFile(join(out, 'loss.png'), 'old figure');
    await writeFile(join(out, 'index.html'), 'old page');
    const r = saekit('train', ...quick, '--sparsity', 'none', '--no-report', '--overwrite', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual([
      'cfg.json',
      'metrics.json',
      'run.json',
      'sae_weights.safetensors',
    ]);
    expect(JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8')).saekit.sparsity).toEqual({
      kind: 'none',
    });
    expect((await readdir(join(out, '..'))).filter((n) => n.startsWith('.'))).toEqual([]); // no leftovers
  });

  it('--overwrite refuses a directory holding files a run does not write', async () => {
    const out = join(await tmp(), 'mine');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'keep me');
    const r = saekit('train', ...quick, '--overwrite', '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/notes\.txt/);
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('an --out that cannot be written is refused before loading data or training, with the real reason', async () => {
    const dir = await tmp();
    await writeFile(join(dir, 'file'), 'x');
    const r = saekit('train', '--dataset', join(dir, 'no-such-data'), '--out', join(dir, 'file', 'run'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write the run directory .*file is not a directory/);
    expect(r.stderr).not.toMatch(/no-such-data|ENOENT/);
  });
});

describe('memory and flags', () => {
  it('a model that cannot fit is refused before allocating, with the figure (exit 2)', () => {
    for (const hidden of ['1000000000', '20000000']) {
      const r = saekit('train', '--hidden', hidden, '--no-report');
      expect(r.code, hidden).toBe(2);
      expect(r.stderr).toMatch(
        /needs about [\d.]+ GB \(parameters [\d.]+ GB, optimizer state [\d.]+ GB, activations/,
      );
      expect(r.stderr).not.toMatch(/Invalid typed array length|training on/);
    }
    const r = saekit('train', '--hidden', '4096', '--max-memory', '0.01', '--no-report');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/more than the 0\.010 GB of --max-memory/);
  });

  it('meaningless flag combinations are usage errors (exit 2, one line)', () => {
    for (const [args, msg] of [
      [['--k', '3'], /--k applies only to --encoder topk/],
      [['--encoder', 'topk'], /--encoder topk needs --k/],
      [['--encoder', 'topk', '--k', '40', '--hidden', '32'], /--k 40 is more than the 32 hidden units/],
      [['--epochs', '0'], /expected an integer >= 1/],
      [['--sparsity', 'l1', '--rho', '0.1'], /--rho applies only to --sparsity kl/],
      [['--sparsity', 'none', '--kl-clamp'], /--kl-clamp applies only to --sparsity kl/],
      [['--sparsity', 'none', '--sparsity-weight', '1'], /--sparsity-weight has no effect/],
      [['--data-dir', '/tmp'], /--data-dir applies only to --dataset mnist/],
    ] as const) {
      const r = saekit('train', ...args, '--no-report');
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
});
