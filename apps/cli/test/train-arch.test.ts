import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { geometricMedian, type ModernSaeConfig } from '@saekit/core';
import { loadCheckpoint } from '@saekit/core/node';
import { syntheticSparse } from '@saekit/datasets';
import { describe, expect, it } from 'vitest';
import { saekit } from './run.js';

const tmp = () => mkdtemp(join(tmpdir(), 'saekit-arch-'));

describe('saekit train --arch', () => {
  it('flags that do not fit the architecture are one-line usage errors (exit 2)', async () => {
    const out = join(await tmp(), 'run');
    for (const [args, msg] of [
      [['--arch', 'topk', '--l1-coefficient', '1'], /--l1-coefficient applies only to --arch standard/],
      [['--arch', 'standard', '--k', '4'], /--k applies only to --arch topk, batchtopk, matryoshka/],
      [['--l0-coefficient', '0.1'], /--l0-coefficient needs --arch/],
      [['--arch', 'jumprelu', '--encoder', 'relu'], /--encoder is a flag of the classic model/],
      [['--arch', 'topk', '--k', '2.5'], /k must be an integer/],
      [['--arch', 'matryoshka', '--matryoshka-widths', '64,32'], /matryoshkaWidths must be increasing/],
      [['--arch', 'topk', '--optimizer', 'sgd'], /trains with --optimizer adam/],
      [['--arch', 'topk', '--aux-coefficient', '0.1'], /need --k-aux/],
      [['--arch', 'batchtopk', '--sparsity-warmup-steps', '5'], /applies only to --arch standard, jumprelu/],
      [['--arch', 'gated'], /Allowed choices are standard, topk, batchtopk, jumprelu, matryoshka/],
    ] as const) {
      const r = saekit('train', '--limit', '200', '--out', out, ...args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(msg);
    }
  });

  it('batchtopk: cfg.json, training options in run.json, the threshold tensor, export and eval', async () => {
    const dir = await tmp();
    const out = join(dir, 'run');
    const r = saekit(
      'train',
      ...['--arch', 'batchtopk', '--k', '3', '--hidden', '32', '--limit', '1000', '--epochs', '2'],
      ...['--init-b-dec', 'geometric-median', '--lr-warmup-steps', '3', '--grad-clip', '10'],
      ...['--no-report', '--quiet', '--out', out, '--max-steps', '1'],
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/l0 [\d.]+ .* mmcs [\d.]+/);
    const cfg = JSON.parse(await readFile(join(out, 'cfg.json'), 'utf8'));
    expect(cfg).toMatchObject({ architecture: 'batchtopk', d_sae: 32, k: 3, apply_b_dec_to_input: true });
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    expect(run.optimizer).toMatchObject({
      kind: 'adam',
      decoderUnitNorm: true,
      gradClip: 10,
      lrWarmupSteps: 3,
    });
    const { config, params } = await loadCheckpoint(out);
    expect((config as ModernSaeConfig).architecture).toBe('batchtopk');
    expect(params.threshold?.[0]).toBeGreaterThan(0);
    const onnx = join(dir, 'enc.onnx');
    const e = saekit('export', '--model', out, '--part', 'encoder', '--onnx', onnx);
    expect(e.code, e.stderr).toBe(0);
    const ev = saekit('eval', '--model', out, '--dataset', 'synthetic', '--limit', '200');
    expect(ev.code, ev.stderr).toBe(0);
  });

  it('--init-b-dec geometric-median starts b_dec at the median of the training rows', async () => {
    const out = join(await tmp(), 'run');
    // One step at a negligible learning rate: b_dec is still its initial value (to float32).
    const r = saekit(
      'train',
      ...[
        '--arch',
        'topk',
        '--k',
        '2',
        '--hidden',
        '16',
        '--limit',
        '500',
        '--epochs',
        '1',
        '--max-steps',
        '1',
      ],
      ...['--lr', '1e-12', '--init-b-dec', 'geometric-median', '--no-report', '--quiet', '--out', out],
    );
    expect(r.code, r.stderr).toBe(0);
    const { params } = await loadCheckpoint(out);
    const train = syntheticSparse({ seed: 0 }).train;
    const want = geometricMedian(train.x.subarray(0, 500 * train.dim), train.dim).median;
    expect(Math.max(...want.map(Math.abs))).toBeGreaterThan(1e-3); // not trivially the zero default
    for (let d = 0; d < train.dim; d++) expect(params.b_dec[d]).toBeCloseTo(want[d], 5);
  });
});
