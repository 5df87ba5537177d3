import { constants } from 'node:buffer';
import { totalmem } from 'node:os';
import type { SaeConfig } from '@saekit/core';
import { UsageError } from '../args.js';

/** The flags whose meaning depends on others, and whether each was given on the command line. */
export interface FlagFacts {
  readonly given: (flag: 'k' | 'rho' | 'klClamp' | 'sparsityWeight' | 'dataDir' | 'cacheDir') => boolean;
  readonly dataset: string;
  readonly encoder: SaeConfig['encoder'];
  readonly sparsity: 'kl' | 'l1' | 'none';
  readonly k?: number;
  readonly hidden: number;
  /** A modern recipe (--arch): checked by checkArchFlags, the classic checks below are skipped. */
  readonly arch?: boolean;
}

/** Flags that would be silently ignored or contradict each other: each a usage error (exit 2). */
export function checkFlagCombinations(f: FlagFacts): void {
  const bad = (msg: string): never => {
    throw new UsageError(msg);
  };
  if (!f.arch) checkClassicFlags(f, bad);
  if (f.dataset !== 'mnist' && f.dataset !== 'fashion-mnist')
    for (const [flag, name] of [
      ['dataDir', '--data-dir'],
      ['cacheDir', '--cache-dir'],
    ] as const)
      if (f.given(flag)) bad(`${name} applies only to --dataset mnist or fashion-mnist (not ${f.dataset})`);
}

function checkClassicFlags(f: FlagFacts, bad: (msg: string) => never): void {
  if (f.k !== undefined && !Number.isInteger(f.k))
    bad(`--k must be an integer for --encoder topk, got ${f.k}`);
  if (f.given('k') && f.encoder !== 'topk')
    bad(`--k applies only to --encoder topk (the encoder is ${f.encoder})`);
  if (f.encoder === 'topk' && f.k === undefined)
    bad('--encoder topk needs --k, the active units per example');
  if (f.k !== undefined && f.k > f.hidden)
    bad(`--k ${f.k} is more than the ${f.hidden} hidden units (--hidden)`);
  if (f.sparsity !== 'kl') {
    if (f.given('rho')) bad(`--rho applies only to --sparsity kl (the sparsity is ${f.sparsity})`);
    if (f.given('klClamp')) bad(`--kl-clamp applies only to --sparsity kl (the sparsity is ${f.sparsity})`);
  }
  if (f.sparsity === 'none' && f.given('sparsityWeight'))
    bad('--sparsity-weight has no effect with --sparsity none');
}

/** Bytes of float32 tensors training allocates, roughly, by what holds them. */
export interface MemoryEstimate {
  readonly parameters: number;
  readonly optimizer: number;
  readonly activations: number;
  /** Data held besides the model: an activation stream's buffers and the held-out rows. */
  readonly data: number;
  readonly total: number;
  /** The largest single tensor, which must fit one ArrayBuffer. */
  readonly largestTensor: number;
}

/**
 * An upper-side estimate: the parameters are held by the training state, its gradients, the
 * evaluation runner and the copies read back at checkpoints (4×); Adam adds two moments; a batch
 * keeps about six [batch, hidden] and four [batch, input] intermediates (forward and backward),
 * the test evaluation two of each per evaluation row.
 */
export function estimateTrainingMemory(
  c: Pick<SaeConfig, 'inputDim' | 'hiddenDim'>,
  o: { batchSize: number; evalBatch: number; optimizer: 'adam' | 'sgd'; dataBytes?: number },
): MemoryEstimate {
  const D = c.inputDim;
  const H = c.hiddenDim;
  const params = 2 * D * H + D + H;
  const parameters = 4 * params * 4;
  const optimizer = o.optimizer === 'adam' ? 2 * params * 4 : 0;
  const activations = (o.batchSize * (6 * H + 4 * D) + o.evalBatch * (2 * H + 2 * D)) * 4;
  const largestTensor = Math.max(D * H, o.batchSize * H, o.evalBatch * H) * 4;
  const data = o.dataBytes ?? 0;
  return {
    parameters,
    optimizer,
    activations,
    data,
    total: parameters + optimizer + activations + data,
    largestTensor,
  };
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(bytes < 1e8 ? 3 : 1)} GB`;

/** Refuses, before anything is allocated, a model that cannot fit: with the figures. */
export function checkMemory(
  c: Pick<SaeConfig, 'inputDim' | 'hiddenDim'>,
  o: {
    batchSize: number;
    evalBatch: number;
    optimizer: 'adam' | 'sgd';
    maxMemoryGB?: number;
    dataBytes?: number;
  },
): MemoryEstimate {
  const m = estimateTrainingMemory(c, o);
  const limit = o.maxMemoryGB !== undefined ? o.maxMemoryGB * 1e9 : totalmem();
  const what = `a model of ${c.inputDim} inputs × ${c.hiddenDim} hidden units with batches of ${o.batchSize}`;
  const parts = `parameters ${gb(m.parameters)}, optimizer state ${gb(m.optimizer)}, activations ${gb(m.activations)}${m.data ? `, data buffers ${gb(m.data)}` : ''}`;
  if (m.total > limit)
    throw new UsageError(
      `${what} needs about ${gb(m.total)} (${parts}), more than the ${gb(limit)} ${o.maxMemoryGB !== undefined ? 'of --max-memory' : "of this machine's memory (--max-memory sets another limit)"}: choose a smaller --hidden or --batch-size`,
    );
  if (m.largestTensor > constants.MAX_LENGTH)
    throw new UsageError(
      `${what} needs a tensor of ${gb(m.largestTensor)}, more than the ${gb(constants.MAX_LENGTH)} one array can hold here: choose a smaller --hidden`,
    );
  return m;
}
