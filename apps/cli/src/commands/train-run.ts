import { loadBackend } from '@saekit/backends';
import {
  buildTrainStep,
  foldInputScale,
  mmcs,
  type SaeParams,
  type TrainCheckpoint,
  type TrainHistory,
  TrainingDivergedError,
  train,
} from '@saekit/core';
import { progressReporter } from '../progress.js';
import { saeBenchEntry } from '../report/metrics-table.js';
import {
  metricsDocument,
  type Run,
  removeTrainState,
  startRun,
  writeRun,
  writeRunFigures,
  writeTrainState,
} from '../run-dir.js';
import type { RunPlan } from './train-plan.js';
import { savedDivergence, stopOnSignals } from './train-signals.js';

/** Trains as planned, writing the run directory as it goes; releases the plan's lock at the end. */
export async function executeRun(
  plan: RunPlan,
  out: { readonly report: boolean; readonly quiet: boolean; readonly log: (s: string) => void },
): Promise<void> {
  try {
    await trainAndSave(plan, out);
  } finally {
    plan.lock.release();
  }
}

async function trainAndSave(
  plan: RunPlan,
  { report, quiet, log }: Parameters<typeof executeRun>[1],
): Promise<void> {
  const { out, config, info, activations } = plan;
  const scale = info.normalisation?.scale ?? 1;
  // The model on disk takes raw activations: the input scale is folded into its weights.
  const fold = (p: SaeParams): SaeParams => (scale === 1 ? p : foldInputScale(config, p, scale));
  // Held-out outliers: of the per-epoch sample while training, of the whole set at the end.
  const outliers = (excludedTest = activations?.excludedTest) =>
    activations?.normalisation?.maxNorm !== undefined
      ? {
          outliers: {
            maxNorm: activations.normalisation.maxNorm,
            excludedTrain: activations.train.excluded,
            excludedTest,
          },
        }
      : {};
  const backend = await loadBackend(info.backend, info.providers ? { providers: info.providers } : {});
  const formulation = info.formulation ?? 'dense';
  const progress = progressReporter({ quiet, tty: Boolean(process.stderr.isTTY), log });
  const stop = stopOnSignals(log);
  // The training state first (what --resume reads), then the weights, metrics.json and run.json.
  const saveState = async (c: TrainCheckpoint, status: 'running' | 'interrupted') => {
    await writeTrainState(out, c);
    await writeRun(out, {
      config,
      params: fold(c.params),
      info,
      metrics: { ...c.history, ...outliers() },
      state: {
        status,
        epoch: c.epoch,
        step: c.step,
        globalStep: c.globalStep,
        history: withoutSteps(c.history),
      },
    });
  };
  let result: Awaited<ReturnType<typeof train>>;
  try {
    result = await train(
      backend,
      config,
      plan.splits,
      {
        epochs: info.epochs,
        batchSize: info.batchSize,
        seed: info.seed,
        optimizer: info.optimizer as Parameters<typeof train>[3]['optimizer'],
        onEvent: progress.onEvent,
        signal: stop.signal,
        checkpointEvery: info.checkpointEvery,
        metricsEvery: info.metricsEvery,
        maxSteps: info.maxSteps,
        resume: plan.resume,
        buildStep: (c, batch, opt, o) =>
          buildTrainStep(c, batch, opt, { ...o, formulation, candidates: info.sparseCandidates }),
        // The first creates the run directory as a unit; later ones replace the training state,
        // then the weights and run.json.
        onCheckpoint: async (c) => {
          if (c.globalStep === 0 && !plan.resume)
            return startRun(
              out,
              { config, params: fold(c.params), info },
              { overwrite: plan.overwrite, trainState: c },
            );
          await saveState(c, 'running');
        },
      },
      plan.initial,
    );
  } catch (e) {
    progress.stop();
    stop.dispose();
    if (e instanceof TrainingDivergedError) throw await savedDivergence(e, { config, info }, out, fold);
    throw e;
  }
  progress.stop();
  stop.dispose();
  if (!result.completed) {
    const { epoch, step } = result.stoppedAt;
    await saveState(result.checkpoint as TrainCheckpoint, 'interrupted');
    process.stderr.write(
      `interrupted by ${stop.received} at epoch ${epoch}, step ${step}: checkpoint saved in ${out}; continue with saekit train --resume ${out}\n`,
    );
    process.exit(stop.exitCode());
  }
  // Activations: every held-out row, streamed (each epoch evaluated only the first ones).
  const heldOut = activations && (await activations.evaluateHeldOut(backend, config, result.params));
  const test = heldOut ? heldOut.metrics : result.test;
  const extra: Record<string, unknown> = { ...outliers(heldOut?.excluded), ...saeBenchEntry(test) };
  const dictionary = plan.loaded.dictionary;
  if (dictionary)
    extra.mmcs = mmcs(dictionary.data, dictionary.numFeatures, result.params.W_dec, config.hiddenDim);
  const run: Run = {
    config,
    params: fold(result.params),
    info,
    metrics: metricsDocument(result.history, test, extra),
  };
  await writeRun(out, { ...run, state: { status: 'complete', epoch: result.stoppedAt.epoch } });
  await removeTrainState(out);
  if (report) {
    log(`drawing figures into ${out}`);
    // Imported here: drawing loads Vega and resvg, which a --no-report run does not need.
    const { drawReport } = await import('../report/draw.js');
    await writeRunFigures(out, await drawReport({ run, data: plan.loaded, forward: backend }));
  }
  const t = test;
  const penalty = t.penaltyKind === 'none' ? '' : `  ${t.penaltyKind} ${t.penalty.toFixed(5)}`;
  const mm = extra.mmcs !== undefined ? `  mmcs ${(extra.mmcs as number).toFixed(4)}` : '';
  const perEpoch = result.history.secondsPerEpoch;
  const secs = perEpoch.length ? perEpoch.reduce((a, b) => a + b, 0) / perEpoch.length : 0;
  const excluded =
    activations?.normalisation?.maxNorm !== undefined
      ? `  outliers left out ${activations.train.excluded}`
      : '';
  process.stdout.write(
    `done: test mse ${t.mse.toFixed(5)}${penalty}  total ${t.total.toFixed(5)}  l0 ${t.l0.toFixed(2)}  fvu ${t.fvu.toFixed(4)}  dead ${t.deadUnits}${mm}${excluded}  (${secs.toFixed(2)} s/epoch) -> ${out}\n`,
  );
}

/** run.json keeps the per-epoch history; the per-step one is metrics.json's. */
function withoutSteps(h: TrainHistory): TrainHistory {
  const { steps: _s, ...rest } = h;
  return rest;
}
