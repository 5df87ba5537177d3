import { describe, expect, it } from 'vitest';
import { saekit } from './run.js';

describe('saekit usage errors', () => {
  it('--help on every subcommand lists its flags and exits 0', () => {
    for (const [cmd, flag] of [
      ['train', '--sparsity-weight'],
      ['eval', '--model'],
      ['encode', '--onnx'],
      ['export', '--part'],
      ['report', '--dims'],
    ]) {
      const r = saekit(cmd, '--help');
      expect(r.code, cmd).toBe(0);
      expect(r.stdout).toContain(flag);
    }
  });
  it('an unknown flag is a one-line error and exit code 2', () => {
    const r = saekit('train', '--epoch', '3');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/unknown option '--epoch'/);
  });
  it('a bad value is a one-line error and exit code 2', () => {
    for (const args of [
      ['--epochs', 'ten'],
      ['--rho', '1.5'],
      ['--encoder', 'tanh'],
      ['--lr', '-1'],
      ['--batch-size', '0'],
    ]) {
      const r = saekit('train', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
    expect(saekit('train', '--encoder', 'tanh').stderr).toMatch(/Allowed choices are relu, sigmoid, topk/);
  });
  it('a bad --split or --dims is a usage error too (exit 2), on every command that takes it', () => {
    for (const args of [
      ['eval', '--model', 'x', '--split', 'validation'],
      ['encode', '--onnx', 'x', '--input', 'mnist', '--split', 'dev'],
      ['report', 'x', '--dims', '3'],
      ['report', 'x', '--dims', 'a,b'],
    ]) {
      const r = saekit(...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
    }
  });
  it('an unknown command exits 2', () => {
    expect(saekit('trian').code).toBe(2);
  });
});
