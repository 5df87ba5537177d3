import { createCpuBackend } from '@saekit/backend-cpu';
import { buildTrainStep, initParams, Rng, rowWeights, SEED_CONFIG } from '@saekit/core';
import { benchData } from './data.js';
import { formatTable } from './table.js';

const BATCH = 256;

/**
 * Where the CPU backend's training step spends its time: each compiled step of the seed model's
 * step (a matmul, a loop group, a sum, …) with its mean ms per step and share, after `warmup`
 * steps of training on MNIST batches (so the ReLU codes have their training-time sparsity).
 */
export async function profileCpuStep(opts: { warmup?: number; runs?: number } = {}) {
  const warmup = opts.warmup ?? 100;
  const runs = opts.runs ?? 200;
  const { x, source } = await benchData(8 * BATCH);
  const step = buildTrainStep(SEED_CONFIG, BATCH, { kind: 'adam', lr: 1e-3 });
  const exe = createCpuBackend().compileSync(step.graph, {
    state: step.initialState(initParams(SEED_CONFIG, new Rng(0))),
  });
  const w = rowWeights(new Float32Array(BATCH), BATCH);
  const batch = (i: number) => x.subarray((i % 8) * BATCH * 784, ((i % 8) + 1) * BATCH * 784);
  for (let i = 0; i < warmup; i++) exe.runSync({ x: batch(i), w });
  // One batch for the profile: runSync binds feeds by reference, so it must not change mid-profile.
  const rows = exe.profileSync({ x: batch(0), w }, runs);
  exe.dispose();
  const total = rows.reduce((a, r) => a + r.ms, 0);
  process.stdout.write(
    `\nCPU backend, seed model training step, batch ${BATCH} (${source}), after ${warmup} steps; mean of ${runs}\n` +
      `${formatTable(
        ['step', 'ms', '%'],
        [...rows.map((r) => [r.step, r.ms, (100 * r.ms) / total]), ['total', total, 100]],
      )}\n`,
  );
  return { rows, totalMs: total };
}
