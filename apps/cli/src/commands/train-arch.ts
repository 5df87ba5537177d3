import {
  ARCHITECTURES,
  type Architecture,
  type Dataset,
  geometricMedian,
  initParams,
  type ModernSaeConfig,
  type OptimizerConfig,
  Rng,
  type SaeParams,
  validateModernConfig,
} from '@saekit/core';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../args.js';

/** The flags of the modern recipes (`--arch`), as TrainFlags holds them. */
export interface ArchFlags {
  arch?: Architecture;
  k?: number;
  l1Coefficient?: number;
  l0Coefficient?: number;
  jumpreluBandwidth?: number;
  kAux?: number;
  auxCoefficient?: number;
  deadAfterTokens?: number;
  matryoshkaWidths?: number[];
  decoderUnitNorm?: boolean;
  gradClip?: number;
  lrWarmupSteps?: number;
  lrDecaySteps?: number;
  sparsityWarmupSteps?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  initBDec?: 'zeros' | 'geometric-median';
}

const TOPK_FAMILY: readonly Architecture[] = ['topk', 'batchtopk', 'matryoshka'];
/** Which architectures each recipe flag fits; a flag for another one is a usage error. */
const FITS: ReadonlyArray<readonly [keyof ArchFlags, string, readonly Architecture[]]> = [
  ['l1Coefficient', '--l1-coefficient', ['standard']],
  ['l0Coefficient', '--l0-coefficient', ['jumprelu']],
  ['jumpreluBandwidth', '--jumprelu-bandwidth', ['jumprelu']],
  ['kAux', '--k-aux', TOPK_FAMILY],
  ['auxCoefficient', '--aux-coefficient', TOPK_FAMILY],
  ['deadAfterTokens', '--dead-after-tokens', TOPK_FAMILY],
  ['matryoshkaWidths', '--matryoshka-widths', ['matryoshka']],
  // Only standard and jumprelu have a sparsity coefficient to warm up.
  ['sparsityWarmupSteps', '--sparsity-warmup-steps', ['standard', 'jumprelu']],
  ['decoderUnitNorm', '--[no-]decoder-unit-norm', ARCHITECTURES],
  ['gradClip', '--grad-clip', ARCHITECTURES],
  ['lrWarmupSteps', '--lr-warmup-steps', ARCHITECTURES],
  ['lrDecaySteps', '--lr-decay-steps', ARCHITECTURES],
  ['initBDec', '--init-b-dec', ARCHITECTURES],
];
/** The classic recipe's flags, which an --arch model does not have. */
const CLASSIC: ReadonlyArray<readonly [string, string]> = [
  ['encoder', '--encoder'],
  ['decoder', '--decoder'],
  ['sparsity', '--sparsity'],
  ['sparsityWeight', '--sparsity-weight'],
  ['rho', '--rho'],
  ['klClamp', '--kl-clamp'],
];

/**
 * Defaults that reach MMCS ≥ 0.95 with L0 near 4 on the default synthetic data (4 active features
 * per example); see docs/modern-saes.md for the runs. k defaults to 4 for the same reason.
 */
const DEFAULT_L1 = 0.8;
const DEFAULT_L0 = 0.03;
/** Wider than SAELens' 0.05: at 0.05 few pre-activations fall in the kernel and θ barely trains here. */
const DEFAULT_BANDWIDTH = 0.25;
const DEFAULT_K = 4;

/** Recipe flags without --arch, flags of another architecture, classic flags with --arch: usage errors. */
export function checkArchFlags(f: ArchFlags & { optimizer: string }, given: (flag: string) => boolean): void {
  for (const b of ['beta1', 'beta2', 'eps'] as const)
    if (given(b) && f.optimizer !== 'adam') throw new UsageError(`--${b} applies only to --optimizer adam`);
  if (!f.arch) {
    for (const [key, name] of FITS)
      if (given(key)) throw new UsageError(`${name} needs --arch (one of ${ARCHITECTURES.join(', ')})`);
    return;
  }
  for (const [key, name] of CLASSIC)
    if (given(key))
      throw new UsageError(`${name} is a flag of the classic model; --arch ${f.arch} has its own recipe`);
  for (const [key, name, fits] of FITS)
    if (given(key) && !fits.includes(f.arch))
      throw new UsageError(`${name} applies only to --arch ${fits.join(', ')} (not ${f.arch})`);
  if (given('k') && !TOPK_FAMILY.includes(f.arch))
    throw new UsageError(`--k applies only to --arch ${TOPK_FAMILY.join(', ')} (not ${f.arch})`);
  if (f.optimizer !== 'adam') throw new UsageError(`--arch ${f.arch} trains with --optimizer adam`);
}

/** The model config of `--arch`, its defaults filled in; a config core refuses is a usage error. */
export function modernConfigFromFlags(f: ArchFlags, inputDim: number, hiddenDim: number): ModernSaeConfig {
  const a = f.arch as Architecture;
  const topk = TOPK_FAMILY.includes(a);
  const c: ModernSaeConfig = {
    architecture: a,
    inputDim,
    hiddenDim,
    ...(a === 'standard' ? { l1Coefficient: f.l1Coefficient ?? DEFAULT_L1 } : {}),
    ...(a === 'jumprelu'
      ? {
          l0Coefficient: f.l0Coefficient ?? DEFAULT_L0,
          jumpreluBandwidth: f.jumpreluBandwidth ?? DEFAULT_BANDWIDTH,
        }
      : {}),
    ...(topk ? { k: f.k ?? DEFAULT_K } : {}),
    ...(topk && f.kAux !== undefined
      ? {
          auxk: {
            kAux: f.kAux,
            ...(f.auxCoefficient !== undefined ? { coefficient: f.auxCoefficient } : {}),
            ...(f.deadAfterTokens !== undefined ? { deadAfterTokens: f.deadAfterTokens } : {}),
          },
        }
      : {}),
    ...(a === 'matryoshka' ? { matryoshkaWidths: f.matryoshkaWidths ?? defaultWidths(hiddenDim) } : {}),
  };
  if (topk && f.kAux === undefined && (f.auxCoefficient !== undefined || f.deadAfterTokens !== undefined))
    throw new UsageError('--aux-coefficient and --dead-after-tokens need --k-aux (AuxK is off without it)');
  try {
    validateModernConfig(c);
  } catch (e) {
    throw new UsageError(`--arch ${a}: ${(e as Error).message}`);
  }
  return c;
}

/** Two prefixes, H/2 and H (when H is even): on the synthetic data more levels recovered fewer features. */
function defaultWidths(h: number): number[] {
  return h % 2 === 0 && h >= 2 ? [h / 2, h] : [h];
}

/** Adam with the recipe's training options; the TopK family keeps unit-norm decoder rows by default. */
export function modernOptimizer(f: ArchFlags & { lr: number }, totalSteps: number): OptimizerConfig {
  const a = f.arch as Architecture;
  const unitNorm = f.decoderUnitNorm ?? TOPK_FAMILY.includes(a);
  return {
    kind: 'adam',
    lr: f.lr,
    ...(f.beta1 !== undefined ? { beta1: f.beta1 } : {}),
    ...(f.beta2 !== undefined ? { beta2: f.beta2 } : {}),
    ...(f.eps !== undefined ? { eps: f.eps } : {}),
    ...(unitNorm ? { decoderUnitNorm: true } : {}),
    ...(f.gradClip !== undefined ? { gradClip: f.gradClip } : {}),
    ...(f.lrWarmupSteps !== undefined ? { lrWarmupSteps: f.lrWarmupSteps } : {}),
    ...(f.lrDecaySteps !== undefined ? { lrDecaySteps: f.lrDecaySteps, totalSteps } : {}),
    ...(f.sparsityWarmupSteps !== undefined ? { sparsityWarmupSteps: f.sparsityWarmupSteps } : {}),
  } as OptimizerConfig;
}

/** Rows the geometric median of b_dec's initialisation is taken over (the first ones). */
const MEDIAN_ROWS = 4096;

/** The initial parameters: SAELens' initialisation, b_dec at the geometric median when asked. */
export function modernInitialParams(
  c: ModernSaeConfig,
  seed: number,
  sample: Dataset,
  initBDec: ArchFlags['initBDec'],
): SaeParams | undefined {
  if (initBDec !== 'geometric-median') return undefined;
  // The initialisation the trainer would draw from this seed, then b_dec replaced.
  const p = initParams(c, new Rng(seed));
  const n = Math.min(sample.n, MEDIAN_ROWS);
  if (n === 0) throw new UsageError(`--init-b-dec geometric-median: ${sample.name} has no rows`);
  const m = geometricMedian(sample.x.subarray(0, n * sample.dim), sample.dim);
  p.b_dec = Float32Array.from(m.median);
  return p;
}

/** Parses `--matryoshka-widths 32,64,256`. */
export function widthList(v: string): number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (!parts.every((s) => /^\d+$/.test(s) && Number(s) >= 1))
    throw new InvalidArgumentError(`expected increasing positive integers like 32,64,256, got "${v}"`);
  return parts.map(Number);
}
