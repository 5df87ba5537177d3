#!/usr/bin/env node
// One backend's figures, measured in a fresh process so its peak RSS is its own.
// Prints one JSON line: { backend, stepMs, encodeMs, peakRssMb, source } (or bare ORT: { encodeMs }).
import { loadBackend } from '@saekit/conformance/backends';
import {
  buildTrainStep,
  encode,
  Graph,
  initParams,
  input,
  paramInputs,
  Rng,
  rowWeights,
  SEED_CONFIG,
} from '@saekit/core';
import { benchData } from './data.js';
import { median, timeRuns } from './measure.js';

const BATCH = 256;
const ENCODE_N = 10_000;

async function measureBackend(name: string) {
  const backend = await loadBackend(name);
  const { x, source } = await benchData(ENCODE_N);
  const params = initParams(SEED_CONFIG, new Rng(0));

  const step = buildTrainStep(SEED_CONFIG, BATCH, { kind: 'adam', lr: 1e-3 });
  const exe = await backend.compile(step.graph, { state: step.initialState(params) });
  const w = rowWeights(new Float32Array(BATCH), BATCH);
  let at = 0;
  const batches = Array.from({ length: 8 }, (_, i) => x.subarray(i * BATCH * 784, (i + 1) * BATCH * 784));
  const stepTimes = await timeRuns(async () => {
    const out = await exe.run({ x: batches[at++ % batches.length], w });
    if (!Number.isFinite(out.loss[0])) throw new Error(`${name}: loss is ${out.loss[0]}`);
  });
  exe.dispose();

  // Encoding: the encoder alone, one compiled batch of all 10,000 examples, parameters resident.
  const p = paramInputs(SEED_CONFIG);
  const enc = Graph.from({
    outputs: { latents: encode(SEED_CONFIG, p, input('x', [ENCODE_N, 784])).hidden },
  });
  const encExe = await backend.compile(enc, { state: { W_enc: params.W_enc, b_enc: params.b_enc } });
  const encTimes = await timeRuns(() => encExe.run({ x }), { warmup: 2, minRuns: 7, minMs: 1000 });
  encExe.dispose();
  return { backend: backend.name, stepMs: median(stepTimes), encodeMs: median(encTimes), source };
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

/** The seed recipe trained on MNIST for `epochs` epochs on the CPU backend, as `saekit train` runs it. */
async function measureTraining(epochs: number) {
  const { createCpuBackend } = await import('@saekit/backend-cpu');
  const { train } = await import('@saekit/core');
  const { loadMnist } = await import('@saekit/datasets');
  const { MNIST_DIR } = await import('./data.js');
  const data = await loadMnist({ name: 'mnist', dir: MNIST_DIR });
  const t0 = performance.now();
  const r = await train(createCpuBackend(), SEED_CONFIG, data, {
    epochs,
    batchSize: BATCH,
    seed: 0,
    optimizer: { kind: 'adam', lr: 1e-3 },
  });
  return {
    backend: 'cpu',
    epochs,
    seconds: (performance.now() - t0) / 1000,
    testMse: r.test.mse,
    secondsPerEpoch: r.history.secondsPerEpoch.reduce((a, b) => a + b, 0) / epochs,
  };
}

const name = process.argv[2];
const result =
  name === 'ort-bare'
    ? await measureBareOrt()
    : name === 'train'
      ? await measureTraining(Number(process.argv[3]))
      : await measureBackend(name);
// maxRSS is in KiB on Linux: the process's peak resident set.
process.stdout.write(`${JSON.stringify({ ...result, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
