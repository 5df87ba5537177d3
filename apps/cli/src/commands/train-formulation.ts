import {
  type Architecture,
  type Formulation,
  hasSparseFormulation,
  SPARSE_ARCHITECTURES,
} from '@saekit/core';
import { InvalidArgumentError } from 'commander';
import { UsageError } from '../args.js';

export const FORMULATIONS = ['dense', 'sparse'] as const;

/** The model as the flags name it: a modern recipe (--arch) or the classic encoder. */
export type ModelKind = { readonly arch: Architecture } | { readonly encoder: string };

/** Whether a model has a sparse formulation: the TopK-family recipes and the classic TopK encoder. */
const hasSparse = (m: ModelKind): boolean =>
  'arch' in m ? hasSparseFormulation(m.arch) : m.encoder === 'topk';

/**
 * `--formulation`: as given, or sparse where the model has a sparse form and dense elsewhere.
 * Asking for sparse where there is none is a usage error naming the models that have one.
 */
export function trainFormulation(m: ModelKind, asked?: Formulation): Formulation {
  if (asked === 'sparse' && !hasSparse(m)) {
    const model = 'arch' in m ? `--arch ${m.arch}` : `--encoder ${m.encoder}`;
    throw new UsageError(
      `--formulation sparse: ${model} has no sparse form (only --arch ${SPARSE_ARCHITECTURES.join(', ')} and --encoder topk); use --formulation dense`,
    );
  }
  return asked ?? (hasSparse(m) ? 'sparse' : 'dense');
}

/**
 * The formulation a run saved in run.json; a run written before the flag trained dense. Anything
 * else is an error naming the file.
 */
export function savedFormulation(v: unknown, runJson: string): Formulation {
  if (v === undefined) return 'dense';
  if (v === 'dense' || v === 'sparse') return v;
  throw new UsageError(`${runJson}: "formulation" must be "dense" or "sparse", got ${JSON.stringify(v)}`);
}

/** `--providers cuda,cpu`: a non-empty list of names. */
export function providerList(v: string): string[] {
  const names = v.split(',').map((s) => s.trim());
  if (!names.length || names.some((n) => !/^[\w-]+$/.test(n)))
    throw new InvalidArgumentError(`expected execution provider names like cuda,cpu, got "${v}"`);
  return names;
}

/** `--providers` goes to the onnx backend only. */
export function checkProviders(backend: string, providers: readonly string[] | undefined): void {
  if (providers !== undefined && backend !== 'onnx')
    throw new UsageError(`--providers applies only to --backend onnx (the backend is ${backend})`);
}

/** `--sparse-candidates`: only where the batch selection is sparse (batchtopk, matryoshka). */
export function checkCandidates(m: ModelKind, formulation: Formulation, candidates?: number): void {
  if (candidates === undefined) return;
  if (!('arch' in m) || (m.arch !== 'batchtopk' && m.arch !== 'matryoshka') || formulation !== 'sparse')
    throw new UsageError(
      '--sparse-candidates applies only to --arch batchtopk or matryoshka with --formulation sparse',
    );
}
