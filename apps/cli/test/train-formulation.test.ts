import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runUntil, saekit } from './run.js';

// --formulation (dense | sparse, stored in run.json, kept by --resume) and --providers (onnx).
const tmp = () => mkdtemp(join(tmpdir(), 'saekit-form-'));
const json = async (path: string) => JSON.parse(await readFile(path, 'utf8'));
const weights = (dir: string) => readFile(join(dir, 'sae_weights.safetensors'));
const ARGS = '--arch topk --k 4 --k-aux 4 --hidden 48 --limit 1200 --batch-size 32 --epochs 2'.split(' ');
const MORE = '--checkpoint-every 7 --metrics-every 5 --no-report'.split(' ');
const train = (out: string, ...more: string[]) => ['train', ...ARGS, ...MORE, '--out', out, ...more];

describe('saekit train --formulation', () => {
  it('the TopK family trains sparse by default, dense when asked; run.json says which', async () => {
    const dir = await tmp();
    for (const [args, want] of [
      [[], 'sparse'],
      [['--formulation', 'dense'], 'dense'],
    ] as const) {
      const out = join(dir, want);
      const r = saekit(...train(out, '--max-steps', '3', '--quiet', ...args));
      expect(r.code, r.stderr).toBe(0);
      expect((await json(join(out, 'run.json'))).formulation).toBe(want);
    }
    const relu = join(dir, 'relu');
    const r = saekit('train', '--limit', '200', '--max-steps', '1', '--quiet', '--no-report', '--out', relu);
    expect(r.code, r.stderr).toBe(0);
    expect((await json(join(relu, 'run.json'))).formulation).toBe('dense');
  });

  it('sparse for a model without a sparse form is a one-line usage error naming those with one', async () => {
    const out = join(await tmp(), 'run');
    for (const [args, msg] of [
      [
        ['--arch', 'standard'],
        /--formulation sparse: --arch standard has no sparse form \(only --arch topk, batchtopk, matryoshka and --encoder topk\); use --formulation dense/,
      ],
      [['--arch', 'jumprelu'], /--arch jumprelu has no sparse form/],
      [['--encoder', 'relu'], /--encoder relu has no sparse form/],
      [['--arch', 'topk', '--k', '4', '--formulation', 'fast'], /Allowed choices are dense, sparse/],
    ] as const) {
      const r = saekit('train', '--limit', '200', '--out', out, '--formulation', 'sparse', ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });

  it('--resume keeps the run’s formulation: a stopped dense run ends at the bits of an uninterrupted dense one', async () => {
    const dir = await tmp();
    const [full, sparse, stopped] = ['full', 'sparse', 'stopped'].map((n) => join(dir, n));
    expect(saekit(...train(full, '--formulation', 'dense', '--quiet')).code).toBe(0);
    expect(saekit(...train(sparse, '--quiet')).code).toBe(0);
    // The two formulations round differently: the bit comparison below can tell them apart.
    expect(Buffer.compare(await weights(full), await weights(sparse))).not.toBe(0);
    expect(await runUntil(train(stopped, '--formulation', 'dense'), 40, 'SIGTERM')).toBe(143);
    const res = saekit('train', '--resume', stopped, '--no-report', '--quiet');
    expect(res.code, res.stderr).toBe(0);
    expect((await json(join(stopped, 'run.json'))).formulation).toBe('dense');
    expect(Buffer.compare(await weights(stopped), await weights(full))).toBe(0);
  });
});

describe('saekit train --sparse-candidates', () => {
  const bt = (out: string, ...more: string[]) =>
    saekit(
      'train',
      '--arch',
      'batchtopk',
      '--k',
      '4',
      '--hidden',
      '48',
      '--limit',
      '600',
      '--no-report',
      '--quiet',
      '--out',
      out,
      ...more,
    );
  it('is stored in run.json; too few candidates for a batch stop the run with the check’s error', async () => {
    const dir = await tmp();
    const ok = bt(join(dir, 'ok'), '--sparse-candidates', '48', '--max-steps', '3');
    expect(ok.code, ok.stderr).toBe(0);
    expect(await json(join(dir, 'ok', 'run.json'))).toMatchObject({
      formulation: 'sparse',
      sparseCandidates: 48,
    });
    // Without it the selection is over the flattened batch: exact, nothing stops the run.
    const flat = bt(join(dir, 'flat'), '--max-steps', '20');
    expect(flat.code, flat.stderr).toBe(0);
    expect((await json(join(dir, 'flat', 'run.json'))).sparseCandidates).toBeUndefined();
    // k candidates per row: the batch's K = k·B largest are then all of them, every row full.
    const few = bt(join(dir, 'few'), '--sparse-candidates', '4', '--max-steps', '3');
    expect(few.code).not.toBe(0);
    expect(few.stderr).toMatch(
      /batchtopk sparse formulation: a row of this batch held as many of the batch's K/,
    );
  });
  it('is a usage error outside batchtopk/matryoshka sparse', async () => {
    const dir = await tmp();
    for (const args of [
      ['--arch', 'topk', '--k', '4', '--sparse-candidates', '8'],
      ['--arch', 'batchtopk', '--k', '4', '--formulation', 'dense', '--sparse-candidates', '8'],
    ]) {
      const r = saekit('train', '--limit', '200', '--out', join(dir, 'x'), ...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(
        /--sparse-candidates applies only to --arch batchtopk or matryoshka with --formulation sparse/,
      );
    }
  });
});

describe('saekit train --providers', () => {
  it('goes to the onnx backend and is stored in run.json', async () => {
    const out = join(await tmp(), 'run');
    const r = saekit(...train(out, '--backend', 'onnx', '--providers', 'cpu', '--max-steps', '2', '--quiet'));
    expect(r.code, r.stderr).toBe(0);
    expect((await json(join(out, 'run.json'))).providers).toEqual(['cpu']);
  });

  it('a provider onnxruntime-node lacks names the available ones; other backends take none', async () => {
    const out = join(await tmp(), 'run');
    const r = saekit(...train(out, '--backend', 'onnx', '--providers', 'no-such-ep,cpu', '--max-steps', '1'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(
      /execution provider "no-such-ep" is not available in this onnxruntime-node \(available: [\w, -]*cpu/,
    );
    const c = saekit(...train(out, '--providers', 'cuda', '--max-steps', '1'));
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--providers applies only to --backend onnx \(the backend is cpu\)/);
  });
});
