import { isModernConfig, type SaeParams, type TrainingDivergedError } from '@saekit/core';
import { type Run, writeRun } from '../run-dir.js';

/**
 * Saves what a diverged run kept (the parameters before the failing step, the history so far) and
 * returns the error to show: the divergence message always, with where it was saved or why not.
 */
export async function savedDivergence(
  e: TrainingDivergedError,
  run: Pick<Run, 'config' | 'info'>,
  out: string,
  fold: (p: SaeParams) => SaeParams = (p) => p,
): Promise<Error> {
  const { config } = run;
  const saved = await writeRun(out, {
    ...run,
    params: fold(e.lastGoodParams),
    metrics: { ...e.history, diverged: { epoch: e.epoch, step: e.step, loss: e.loss } },
    state: { status: 'diverged', epoch: e.epoch, step: e.step - 1, history: e.history },
  }).then(
    () => `last good checkpoint saved in ${out}`,
    (w: Error) => `the last good checkpoint could not be saved (${w.message})`,
  );
  const hint =
    !isModernConfig(config) &&
    config.sparsity.kind === 'kl' &&
    !config.sparsity.clamp &&
    config.encoder !== 'sigmoid'
      ? " (the seed's KL is NaN once a ReLU unit's batch-mean activation reaches 1: try --kl-clamp, --encoder sigmoid, or a smaller --lr)"
      : ' (try a smaller --lr)';
  return new Error(`${e.message}; ${saved}${hint}`);
}

/**
 * SIGINT / SIGTERM while training: the first stops training after the current step (the caller
 * saves a checkpoint); a second exits at once. Exit codes follow the shell's 128 + signal number.
 */
export interface SignalStop {
  readonly signal: AbortSignal;
  readonly received: NodeJS.Signals | undefined;
  exitCode(): number;
  dispose(): void;
}

export function stopOnSignals(log: (s: string) => void): SignalStop {
  const ac = new AbortController();
  let received: NodeJS.Signals | undefined;
  const exitCode = () => (received === 'SIGTERM' ? 143 : 130);
  const handler = (sig: NodeJS.Signals) => {
    if (received) process.exit(exitCode());
    received = sig;
    log(`${sig}: stopping after this step to save a checkpoint (again to quit without saving)`);
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    get received() {
      return received;
    },
    exitCode,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
