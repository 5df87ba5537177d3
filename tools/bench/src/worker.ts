#!/usr/bin/env node
// One backend's figures, measured in a fresh process so its peak RSS is its own.
// Prints one JSON line: { backend, stepMs, trainedStepMs?, encodeMs, peakRssMb, source } (or bare
// ORT: { encodeMs }; or a training run's figures, for `train`, `rss` and `pretrain`).
import { readFileSync } from 'node:fs';
import { loadBackend } from '@saekit/backends';
import {
  type Backend,
  buildTrainStep,
  decodeSafetensors,
  encode,
  encodeSafetensors,
  Graph,
  initParams,
  input,
  type NamedTensor,
  paramInputs,
  Rng,
  rowWeights,
  SEED_CONFIG,
} from '@saekit/core';
import { writeFileAtomic } from '@saekit/core/node';
import { benchData } from './data.js';
import { median, timeRuns } from './measure.js';

const BATCH = 256;
const ENCODE_N = 10_000;

/** The step's batches: `count` batches of the benchmark's examples. */
function batchesOf(x: Float32Array, count: number): Float32Array[] {
  return Array.from({ length: count }, (_, i) => x.subarray(i * BATCH * 784, (i + 1) * BATCH * 784));
}

/** Median ms of a training step run from `state` (it trains on as it is timed). */
async function timeSteps(
  backend: Backend,
  name: string,
  state: Record<string, Float32Array>,
  x: Float32Array,
) {
  const step = buildTrainStep(SEED_CONFIG, BATCH, { kind: 'adam', lr: 1e-3 });
  const exe = await backend.compile(step.graph, { state });
  const w = rowWeights(new Float32Array(BATCH), BATCH);
  let at = 0;
  const batches = batchesOf(x, 8);
  const times = await timeRuns(async () => {
    const out = await exe.run({ x: batches[at++ % batches.length], w });
    if (!Number.isFinite(out.loss[0])) throw new Error(`${name}: loss is ${out.loss[0]}`);
  });
  exe.dispose();
  return median(times);
}

async function measureBackend(name: string, trainedState?: string) {
  const backend = await loadBackend(name);
  const { x, source } = await benchData(ENCODE_N);
  const params = initParams(SEED_CONFIG, new Rng(0));
  const init = buildTrainStep(SEED_CONFIG, BATCH, { kind: 'adam', lr: 1e-3 }).initialState(params);
  const stepMs = await timeSteps(backend, name, init, x);
  const trainedStepMs = trainedState ? await timeSteps(backend, name, readState(trainedState), x) : undefined;

  // Encoding: the encoder alone, one compiled batch of all 10,000 examples, parameters resident.
  const p = paramInputs(SEED_CONFIG);
  const enc = Graph.from({
    outputs: { latents: encode(SEED_CONFIG, p, input('x', [ENCODE_N, 784])).hidden },
  });
  const encExe = await backend.compile(enc, { state: { W_enc: params.W_enc, b_enc: params.b_enc } });
  const encTimes = await timeRuns(() => encExe.run({ x }), { warmup: 2, minRuns: 7, minMs: 1000 });
  encExe.dispose();
  return { backend: backend.name, stepMs, trainedStepMs, encodeMs: median(encTimes), source };
}

/**
 * Trains the seed step on the CPU backend for `steps` steps over the benchmark's examples and
 * writes its whole state (parameters, Adam's moments and step count) to `file` as safetensors, so every backend's
 * step can be timed from the same trained state: the ReLU code then has the sparsity it keeps for
 * most of a training run, not the ~50% it starts from.
 */
async function pretrain(steps: number, file: string) {
  const { createCpuBackend } = await import('@saekit/backend-cpu');
  const { x } = await benchData(ENCODE_N);
  const step = buildTrainStep(SEED_CONFIG, BATCH, { kind: 'adam', lr: 1e-3 });
  const state = step.initialState(initParams(SEED_CONFIG, new Rng(0)));
  const exe = await createCpuBackend().compile(step.graph, { state });
  const w = rowWeights(new Float32Array(BATCH), BATCH);
  const batches = batchesOf(x, Math.floor(ENCODE_N / BATCH));
  const t0 = performance.now();
  let loss = Number.NaN;
  for (let i = 0; i < steps; i++) loss = (await exe.run({ x: batches[i % batches.length], w })).loss[0];
  const tensors: Record<string, NamedTensor> = {};
  for (const name of Object.keys(state)) {
    const data = await exe.readState(name);
    tensors[name] = { shape: [data.length], data };
  }
  exe.dispose();
  await writeFileAtomic(file, encodeSafetensors(tensors));
  return { backend: 'cpu', steps, loss, seconds: (performance.now() - t0) / 1000 };
}

/** The state `pretrain` wrote. */
function readState(file: string): Record<string, Float32Array> {
  const { tensors } = decodeSafetensors(readFileSync(file), file);
  return Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, t.data]));
}

/** The same exported encoder in a bare onnxruntime-node session (no saekit layer), and through OnnxSaeModel. */
async function measureBareOrt() {
  const ort = await import('onnxruntime-node');
  const { exportSae, OnnxSaeModel } = await import('@saekit/backend-onnx');
  const { x } = await benchData(ENCODE_N);
  const bytes = exportSae(SEED_CONFIG, initParams(SEED_CONFIG, new Rng(0)), { part: 'encoder' });
  const session = await ort.InferenceSession.create(bytes);
  const feed = { input: new ort.Tensor('float32', x, [ENCODE_N, 784]) };
  const bare = await timeRuns(() => session.run(feed), { warmup: 2, minRuns: 7, minMs: 1000 });
  await session.release();
  const model = await OnnxSaeModel.load(bytes);
  const ours = await timeRuns(() => model.encode(x, ENCODE_N), { warmup: 2, minRuns: 7, minMs: 1000 });
  model.dispose();
  return { backend: 'onnxruntime (bare session)', encodeMs: median(bare), saeModelEncodeMs: median(ours) };
}

/** The seed recipe trained on MNIST for `epochs` epochs on one backend, as `saekit train` runs it. */
async function measureTraining(epochs: number, backendName: string) {
  const backend = await loadBackend(backendName);
  const { train } = await import('@saekit/core');
  const { loadMnist } = await import('@saekit/datasets');
  const { MNIST_DIR } = await import('./data.js');
  const data = await loadMnist({ name: 'mnist', dir: MNIST_DIR });
  const t0 = performance.now();
  const r = await train(backend, SEED_CONFIG, data, {
    epochs,
    batchSize: BATCH,
    seed: 0,
    optimizer: { kind: 'adam', lr: 1e-3 },
  });
  const perEpoch = r.history.secondsPerEpoch;
  return {
    backend: backend.name,
    epochs,
    seconds: (performance.now() - t0) / 1000,
    testMse: r.test.mse,
    epochSeconds: perEpoch,
    secondsPerEpoch: perEpoch.reduce((a, b) => a + b, 0) / epochs,
  };
}

const name = process.argv[2];
const result =
  name === 'ort-bare'
    ? await measureBareOrt()
    : name === 'train'
      ? await measureTraining(Number(process.argv[3]), process.argv[4] ?? 'cpu')
      : name === 'pretrain'
        ? await pretrain(Number(process.argv[3]), process.argv[4])
        : await measureBackend(name, process.argv[3]);
// maxRSS is in KiB on Linux: the process's peak resident set.
process.stdout.write(`${JSON.stringify({ ...result, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
