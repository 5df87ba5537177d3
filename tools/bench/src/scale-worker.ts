#!/usr/bin/env node
// One backend's SAE training step at scale, in a fresh process so its peak RSS is its own.
// argv: backend d_in d_sae k batch steps formulation arch [profile prefix (onnx only)], arch
// `classic` (the classic TopK SAE) or a modern architecture. Prints one JSON line.
import { createOnnxBackend, OnnxExecutable } from '@saekit/backend-onnx';
import { loadBackend } from '@saekit/backends';
import {
  type AnySaeConfig,
  type Architecture,
  buildTrainStep,
  type Formulation,
  hasSparseFormulation,
  initModernParams,
  isModernConfig,
  type ModernSaeConfig,
  Rng,
  rowWeights,
  type SaeConfig,
  type SaeParams,
} from '@saekit/core';
import { median } from './measure.js';
import { summarize, traceFile } from './scale-profile.js';

const [name, dIn, dSae, k, batch, steps, formulation, arch, profile] = process.argv.slice(2);
const [d, n, kk, b, s] = [dIn, dSae, k, batch, steps].map(Number);
const classic: SaeConfig = {
  inputDim: d,
  hiddenDim: n,
  encoder: 'topk',
  k: kk,
  decoder: 'identity',
  sparsity: { kind: 'none' },
};
/** A modern recipe at this shape, its defaults otherwise (matryoshka: prefixes of 1/16, 1/4, all). */
function modern(a: Architecture): ModernSaeConfig {
  const base = { architecture: a, inputDim: d, hiddenDim: n };
  // A penalty's coefficient changes the loss, not the step's work: any value times the same.
  if (a === 'standard') return { ...base, l1Coefficient: 1 };
  if (a === 'jumprelu') return { ...base, l0Coefficient: 1 };
  if (a === 'matryoshka') return { ...base, k: kk, matryoshkaWidths: [n / 16, n / 4, n].map(Math.floor) };
  return { ...base, k: kk };
}
const config: AnySaeConfig = arch === 'classic' ? classic : modern(arch as Architecture);

// As torch_step.py: W_enc ~ N(0, 1/d), W_dec ~ N(0, 1/n), zero biases, x ~ N(0, 1).
const rng = new Rng(0);
const normal = (len: number, std: number): Float32Array => {
  const a = new Float32Array(len);
  for (let i = 0; i < len; i++) a[i] = std * rng.normal();
  return a;
};
const x = normal(b * d, 1);
const w = rowWeights(new Float32Array(b), b);

// Profiled: ONNX Runtime's per-node times (they slow the run; the step time is not comparable then).
const backend = profile && name === 'onnx' ? createOnnxBackend({ profile }) : await loadBackend(name);
// Standard and JumpReLU have no sparse form: they train dense whatever --formulation says.
const form: Formulation =
  isModernConfig(config) && !hasSparseFormulation(config.architecture)
    ? 'dense'
    : (formulation as Formulation);
const step = buildTrainStep(config, b, { kind: 'adam', lr: 1e-4 }, { formulation: form });
/** Compiled from initial values made here and dropped after: the executable holds the state. */
async function compile() {
  const params: SaeParams = isModernConfig(config)
    ? initModernParams(config, rng)
    : {
        W_enc: normal(d * n, 1 / Math.sqrt(d)),
        b_enc: new Float32Array(n),
        W_dec: normal(n * d, 1 / Math.sqrt(n)),
        b_dec: new Float32Array(d),
      };
  return backend.compile(step.graph, { state: step.initialState(params) });
}
const exe = await compile();
// The host's copies of the initial state are garbage now; collect them (the parent runs this
// worker with --expose-gc) so the peak RSS is the backend's, not the caller's.
(globalThis as { gc?: () => void }).gc?.();
const times: number[] = [];
let loss = Number.NaN;
// Three untimed steps, as torch_step.py.
for (let i = 0; i < s + 3; i++) {
  const t0 = performance.now();
  // A modern recipe's host state (AuxK's dead counts, BatchTopK's threshold) is fed and observed.
  const out = await exe.run({ x, w, ...step.host?.feeds() });
  step.host?.observe(out, b);
  const ms = performance.now() - t0;
  loss = out.loss[0];
  if (!Number.isFinite(loss)) throw new Error(`${name}: loss is ${loss} at step ${i}`);
  if (i >= 3) times.push(ms);
}
if (profile && exe instanceof OnnxExecutable) {
  await exe.endProfiling();
  process.stderr.write(`${summarize(traceFile(profile), 3)}\n`);
}
exe.dispose();
const stepMs = median(times);
// maxRSS is in KiB on Linux: the process's peak resident set.
process.stdout.write(
  `${JSON.stringify({ backend: name, formulation: form, stepMs, vectorsPerS: (b / stepMs) * 1000, loss, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
