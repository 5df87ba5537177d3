import { type AnySaeConfig, type Backend, ForwardRunner, type SaeParams } from '@saekit/core';

/**
 * Hidden activations of the training split and reconstructions of the shown test examples, both
 * from one forward executable: the runner given, or one compiled here and disposed.
 */
export async function forwardPasses(
  forward: Backend | ForwardRunner,
  config: AnySaeConfig,
  params: SaeParams,
  train: { x: Float32Array; n: number },
  originals: Float32Array,
  shown: number,
): Promise<{ hidden: Float32Array; recon: Float32Array }> {
  const H = config.hiddenDim;
  const D = config.inputDim;
  const runner =
    forward instanceof ForwardRunner
      ? forward
      : await ForwardRunner.create(forward, config, params, Math.max(1, Math.min(1000, train.n)));
  try {
    if (runner === forward) runner.setParams(params);
    const hidden = new Float32Array(train.n * H);
    await runner.stream(train.x, train.n, (b) => hidden.set(b.hidden.subarray(0, b.rows * H), b.start * H));
    const recon = new Float32Array(shown * D);
    await runner.stream(originals, shown, (b) => recon.set(b.recon.subarray(0, b.rows * D), b.start * D));
    return { hidden, recon };
  } finally {
    if (runner !== forward) runner.dispose();
  }
}
