import { createCpuBackend } from '@saekit/backend-cpu';
import { buildTrainStep, initParams, Rng, rowWeights, type SaeConfig, SEED_CONFIG } from '@saekit/core';
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

/**
 * The same for the TopK SAE's sparse training step at the scale of `pnpm bench scale` (768 → 16,384,
 * k 32, batch 1024, Adam; data and initial values as scale-worker.ts draws them): each step's mean
 * ms over `runs` steps after `warmup`, largest first.
 */
export async function profileScaleStep(opts: { warmup?: number; runs?: number } = {}) {
  const warmup = opts.warmup ?? 2;
  const runs = opts.runs ?? 3;
  const [d, n, k, b] = [768, 16384, 32, 1024];
  const config: SaeConfig = {
    inputDim: d,
    hiddenDim: n,
    encoder: 'topk',
    k,
    decoder: 'identity',
    sparsity: { kind: 'none' },
  };
  const rng = new Rng(0);
  const normal = (len: number, std: number) => {
    const a = new Float32Array(len);
    for (let i = 0; i < len; i++) a[i] = std * rng.normal();
    return a;
  };
  const x = normal(b * d, 1);
  const w = rowWeights(new Float32Array(b), b);
  const step = buildTrainStep(config, b, { kind: 'adam', lr: 1e-4 }, { formulation: 'sparse' });
  const params = {
    W_enc: normal(d * n, 1 / Math.sqrt(d)),
    b_enc: new Float32Array(n),
    W_dec: normal(n * d, 1 / Math.sqrt(n)),
    b_dec: new Float32Array(d),
  };
  const exe = createCpuBackend().compileSync(step.graph, { state: step.initialState(params) });
  for (let i = 0; i < warmup; i++) exe.runSync({ x, w });
  const rows = exe.profileSync({ x, w }, runs).sort((p, q) => q.ms - p.ms);
  exe.dispose();
  const total = rows.reduce((a, r) => a + r.ms, 0);
  process.stdout.write(
    `\nCPU backend, TopK SAE sparse training step ${d} -> ${n}, k ${k}, batch ${b}, Adam, after ${warmup} steps; mean of ${runs}\n` +
      `${formatTable(
        ['step', 'ms', '%'],
        [
          ...rows.filter((r) => r.ms >= 0.05).map((r) => [r.step, r.ms, (100 * r.ms) / total]),
          ['total', total, 100],
        ],
      )}\n`,
  );
  return { rows, totalMs: total };
}
