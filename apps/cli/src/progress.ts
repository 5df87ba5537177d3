import type { StepRecord, TrainEvent } from '@saekit/core';
import cliProgress from 'cli-progress';

/**
 * Training progress for long runs. On a terminal, a live bar over the whole run: steps, tokens/s,
 * ETA, loss, and the last probe's L0 and dead fraction. Otherwise (logs, CI) plain lines: one per
 * probe (every `--metrics-every` steps) and one per epoch. Returns the event handler and a `stop`.
 */
export function progressReporter(opts: { quiet: boolean; tty: boolean; log: (s: string) => void }): {
  onEvent: (e: TrainEvent) => void;
  stop: () => void;
} {
  let bar: cliProgress.SingleBar | undefined;
  let epochs = 0;
  let last: StepRecord | undefined;
  let rate = 0;
  let eta = '-';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const onEvent = (e: TrainEvent) => {
    if (opts.quiet) return;
    if (e.type === 'start') {
      epochs = e.epochs;
      opts.log(
        `training on ${e.examples} examples, ${e.stepsPerEpoch} steps per epoch, ${e.epochs} epochs, backend ${e.backend}`,
      );
    } else if (e.type === 'step') {
      rate = e.examplesPerSecond;
      eta = duration(e.secondsPerStep * (e.totalSteps - e.globalStep));
      if (!opts.tty) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format:
              'epoch {epoch}/{epochs} [{bar}] step {value}/{total} | {tps} tok/s | ETA {left} | loss {loss} | L0 {l0} | dead {dead}',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.totalSteps, e.globalStep - 1, fields(e.epoch, '-'));
      }
      bar.update(e.globalStep, fields(e.epoch, e.loss.toFixed(5)));
    } else if (e.type === 'probe') {
      last = e.record;
      if (!opts.tty) {
        const r = e.record;
        opts.log(
          `step ${r.step}  epoch ${r.epoch}/${epochs}  tokens ${r.tokens}  loss ${r.loss.toFixed(5)}  l0 ${r.l0.toFixed(2)}  dead ${(100 * r.deadFraction).toFixed(1)}%  ${Math.round(rate)} tok/s  ETA ${eta}`,
        );
      }
    } else if (e.type === 'epoch') {
      stop();
      const t = e.test;
      const test = t
        ? `  test mse ${t.mse.toFixed(5)}  total ${t.total.toFixed(5)}  l0 ${t.l0.toFixed(2)}  dead ${t.deadUnits}`
        : '';
      opts.log(
        `epoch ${e.epoch}/${epochs}  train loss ${e.trainLoss.toFixed(5)}${test}  ${e.seconds.toFixed(2)}s`,
      );
    }
  };
  const fields = (epoch: number, loss: string) => ({
    epoch,
    epochs,
    loss,
    tps: Math.round(rate),
    left: eta,
    l0: last ? last.l0.toFixed(1) : '-',
    dead: last ? `${(100 * last.deadFraction).toFixed(1)}%` : '-',
  });
  return { onEvent, stop };
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '-';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
