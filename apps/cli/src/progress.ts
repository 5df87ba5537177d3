import type { TrainEvent } from '@saekit/core';
import cliProgress from 'cli-progress';

/**
 * Training progress: a live bar with loss and examples/s on a terminal; one plain line per epoch
 * otherwise (logs, CI). Returns the event handler and a `stop` to call when training ends.
 */
export function progressReporter(opts: { quiet: boolean; tty: boolean; log: (s: string) => void }): {
  onEvent: (e: TrainEvent) => void;
  stop: () => void;
} {
  let bar: cliProgress.SingleBar | undefined;
  let epochs = 0;
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
    } else if (e.type === 'step' && opts.tty) {
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            format: 'epoch {epoch}/{epochs} [{bar}] {value}/{total} | loss {loss} | {eps} ex/s',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(e.stepsPerEpoch, 0, { epoch: e.epoch, epochs, loss: '-', eps: '-' });
      }
      bar.update(e.step, {
        epoch: e.epoch,
        epochs,
        loss: e.loss.toFixed(5),
        eps: Math.round(e.examplesPerSecond),
      });
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
  return { onEvent, stop };
}
