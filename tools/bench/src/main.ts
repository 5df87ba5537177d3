#!/usr/bin/env node
// pnpm bench [steps|matmul]: the seed model's training step and 10,000-example encode on every
// backend (each in its own process, so peak RSS is its own), with ratios measured in this one run;
// then the CPU backend's matmul kernel against a naive loop on the five products of a step.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { BUILTIN_BACKENDS, isBuiltinBackend } from '@saekit/backends';
import { writeFileAtomic } from '@saekit/core/node';
import { benchMatmul, benchStrassen } from './matmul.js';
import { median } from './measure.js';
import { profileCpuStep, profileScaleStep } from './profile.js';
import { benchScale, SCALE_USAGE } from './scale.js';
import { benchSparse } from './sparse.js';
import { formatTable } from './table.js';

const USAGE = `usage: pnpm bench [steps|matmul|strassen|train|rss|profile|profile-scale] [--backends cpu,tfjs-cpu,tfjs-wasm,onnx] [--rounds N] [--trained STEPS] [--f64] [--epochs N] [--json FILE]

  steps     training step and 10k-example encode per backend, ratios and peak RSS; every backend
            is measured --rounds times (default 3), round-robin, each in a fresh process, and
            the median round is reported, so a burst of noise on the machine moves no ratio.
            The step is timed from initialisation, and again from the state the CPU backend
            reaches after --trained steps (default 2000; 0: skip), the same state for every
            backend: a sparse backend's step depends on how sparse the ReLU code has become
  matmul    CPU matmul kernel GFLOP/s vs a naive triple loop (--f64: Float64Array operands); then
            the zero-skipping and masked kernels vs the dense one at MNIST / ReLU-code sparsity
  strassen  the scale encoder product [1024,768]·[768,16384] on the CPU backend's pool: classical
            vs 1 and 2 levels of Strassen, alternating in one process (--rounds, default 3)
  train     the seed recipe trained on MNIST as \`saekit train\` runs it (shuffled batches, batch
            filling included, the per-epoch test pass not), on each backend in turn, each in a fresh
            process: seconds per epoch with ratios, test MSE, peak RSS (--backends, default
            cpu,tfjs-wasm,onnx; --epochs, default 3; needs ../shared/data/mnist). A whole run, where
            the steps table times ~200 steps: the CPU step speeds up as the ReLU code gets sparser
  rss       peak RSS of the seed recipe trained on MNIST on the CPU backend (--epochs, default 50;
            minutes; needs ../shared/data/mnist)
  profile   where the CPU backend's training step spends its time, step by step
  profile-scale  the same for the TopK SAE's sparse step at bench scale's shape (768 -> 16384,
            k 32, batch 1024; a minute or so)
  scale     a TopK SAE step at training scale per backend, beside PyTorch (flags of its own, below)
  (no suite: steps and matmul)

${SCALE_USAGE}`;

// \`scale\` takes flags of its own; it runs alone.
if (process.argv[2] === 'scale') {
  const report = await benchScale(process.argv.slice(3));
  const i = process.argv.indexOf('--json');
  if (i > 0) await writeFileAtomic(process.argv[i + 1], `${JSON.stringify(report, null, 2)}\n`);
  process.exit(0);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      json: { type: 'string' },
      backends: { type: 'string' },
      f64: { type: 'boolean', default: false },
      epochs: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      trained: { type: 'string', default: '2000' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
}
try {
  parsed = parse();
} catch (e) {
  process.stderr.write(`saekit-bench: ${(e as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
const { values: args, positionals } = parsed;
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const bad = positionals.find(
  (p) => !['steps', 'matmul', 'strassen', 'train', 'rss', 'profile', 'profile-scale'].includes(p),
);
if (bad) {
  process.stderr.write(`saekit-bench: unknown suite '${bad}'\n${USAGE}\n`);
  process.exit(2);
}
const suites = positionals.length ? positionals : ['steps', 'matmul'];
const rounds = Number(args.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  process.stderr.write(`saekit-bench: --rounds must be a positive integer, got ${args.rounds}\n`);
  process.exit(2);
}
const trainedSteps = Number(args.trained);
if (!Number.isInteger(trainedSteps) || trainedSteps < 0) {
  process.stderr.write(`saekit-bench: --trained must be a whole number of steps, got ${args.trained}\n`);
  process.exit(2);
}

/** --epochs, or the suite's default. */
function epochsArg(fallback: number): number {
  const epochs = Number(args.epochs ?? fallback);
  if (!Number.isInteger(epochs) || epochs < 1) {
    process.stderr.write(`saekit-bench: --epochs must be a positive integer, got ${args.epochs}\n`);
    process.exit(2);
  }
  return epochs;
}

/** --backends, or the suite's default; exits on a name that is neither built in nor a module path. */
function backendsArg(fallback: string): string[] {
  const names = (args.backends ?? fallback).split(',').filter(Boolean);
  const unknown = names.find((n) => !isBuiltinBackend(n) && !existsSync(n));
  if (unknown) {
    process.stderr.write(
      `saekit-bench: unknown backend '${unknown}' (choose ${BUILTIN_BACKENDS.join(', ')}, or a path to a module exporting a Backend)\n`,
    );
    process.exit(2);
  }
  return names;
}

interface Row {
  backend: string;
  stepMs?: number;
  /** The step from the shared trained state (see --trained). */
  trainedStepMs?: number;
  encodeMs: number;
  saeModelEncodeMs?: number;
  peakRssMb: number;
  source?: string;
}

/** A training run's figures (worker mode `train`). */
interface TrainRow {
  backend: string;
  epochs: number;
  seconds: number;
  testMse: number;
  epochSeconds: number[];
  secondsPerEpoch: number;
  peakRssMb: number;
}

const worker = fileURLToPath(new URL('./worker.js', import.meta.url));
const measure = (name: string, ...extra: string[]): Row => {
  process.stderr.write(`measuring ${name}...\n`);
  let out: string;
  try {
    out = execFileSync(process.execPath, [worker, name, ...extra], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  } catch {
    // The worker has printed its error on stderr already.
    process.stderr.write(`saekit-bench: measuring ${name} failed\n`);
    process.exit(1);
  }
  return JSON.parse(out.trim().split('\n').pop()!);
};

/** Each timing the median over rounds (with the rounds' step times kept), peak RSS the largest. */
function medianRow(rs: Row[]): Row & { stepMsRounds?: number[] } {
  const mid = (pick: (r: Row) => number | undefined) => {
    const xs = rs.map(pick).filter((x): x is number => x !== undefined);
    return xs.length ? median(xs) : undefined;
  };
  return {
    ...rs[0],
    stepMs: mid((r) => r.stepMs),
    trainedStepMs: mid((r) => r.trainedStepMs),
    encodeMs: mid((r) => r.encodeMs)!,
    saeModelEncodeMs: mid((r) => r.saeModelEncodeMs),
    peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)),
    stepMsRounds: rs[0].stepMs === undefined ? undefined : rs.map((r) => r.stepMs!),
  };
}

const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version };
if (suites.includes('steps')) {
  const names = backendsArg('cpu,tfjs-cpu,tfjs-wasm,onnx');
  // Round-robin: a slow spell of the machine lands in one round of every backend, not in all
  // rounds of one; each figure is then the median over rounds.
  const byBackend: Row[][] = names.map(() => []);
  const bareRounds: Row[] = [];
  const stateDir = trainedSteps > 0 ? mkdtempSync(join(tmpdir(), 'saekit-bench-')) : undefined;
  const stateFile = stateDir && join(stateDir, 'state.safetensors');
  if (stateFile) {
    const t = measure('pretrain', String(trainedSteps), stateFile) as Row & { loss: number; seconds: number };
    process.stderr.write(
      `trained state: ${trainedSteps} steps on cpu in ${t.seconds.toFixed(1)} s, loss ${t.loss.toFixed(5)}\n`,
    );
  }
  for (let r = 0; r < rounds; r++) {
    if (rounds > 1) process.stderr.write(`round ${r + 1} of ${rounds}\n`);
    for (const [i, n] of names.entries()) byBackend[i].push(stateFile ? measure(n, stateFile) : measure(n));
    if (names.includes('onnx')) bareRounds.push(measure('ort-bare'));
  }
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  const rows = byBackend.map(medianRow);
  const bare = bareRounds.length ? medianRow(bareRounds) : undefined;
  const fastest = Math.min(...rows.map((r) => r.stepMs!));
  const fastestEnc = Math.min(...rows.map((r) => r.encodeMs));
  const by = (b: string) => rows.find((r) => r.backend === b);
  const ratio = (a: number | undefined, b: number | undefined): number | string =>
    a !== undefined && b !== undefined ? a / b : '-';
  process.stdout.write(
    `\nSeed model 784 -> 64 -> 784 (KL, Adam), batch 256; data: ${rows[0]?.source ?? '-'}; step from initialisation; medians after warm-up, median of ${rounds} round(s)\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      [
        'backend',
        'step ms',
        'rounds (step ms)',
        'x fastest',
        'x tfjs-cpu',
        'x tfjs-wasm',
        'encode 10k ms',
        'x fastest',
        'x tfjs-cpu',
        'peak RSS MB',
      ],
      rows.map((r) => [
        r.backend,
        r.stepMs!,
        (r.stepMsRounds ?? []).map((x) => x.toPrecision(3)).join(' '),
        ratio(r.stepMs, fastest),
        ratio(r.stepMs, by('tfjs-cpu')?.stepMs),
        ratio(r.stepMs, by('tfjs-wasm')?.stepMs),
        r.encodeMs,
        r.encodeMs / fastestEnc,
        ratio(r.encodeMs, by('tfjs-cpu')?.encodeMs),
        r.peakRssMb,
      ]),
    )}\n`,
  );
  if (trainedSteps > 0) {
    const fastestTrained = Math.min(...rows.map((r) => r.trainedStepMs!));
    process.stdout.write(
      `\nThe same step from the state ${trainedSteps} training steps reach on the CPU backend (one state for all; medians of ${rounds} round(s)):\n\n`,
    );
    process.stdout.write(
      `${formatTable(
        ['backend', 'step ms', 'x fastest', 'x tfjs-cpu', 'x tfjs-wasm'],
        rows.map((r) => [
          r.backend,
          r.trainedStepMs!,
          ratio(r.trainedStepMs, fastestTrained),
          ratio(r.trainedStepMs, by('tfjs-cpu')?.trainedStepMs),
          ratio(r.trainedStepMs, by('tfjs-wasm')?.trainedStepMs),
        ]),
      )}\n`,
    );
  }
  const onnx = by('onnx');
  if (bare && onnx) {
    process.stdout.write(
      `\nONNX encode of 10,000 examples: bare onnxruntime-node session ${bare.encodeMs.toFixed(2)} ms; ` +
        `OnnxSaeModel ${bare.saeModelEncodeMs!.toFixed(2)} ms (x${(bare.saeModelEncodeMs! / bare.encodeMs).toFixed(2)}); ` +
        `onnx backend ${onnx.encodeMs.toFixed(2)} ms (x${(onnx.encodeMs / bare.encodeMs).toFixed(2)})\n`,
    );
  }
  Object.assign(report, { steps: rows, bareOrt: bare });
}
if (suites.includes('matmul')) {
  process.stdout.write('\n');
  report.matmul = await benchMatmul({ dtype: args.f64 ? 'float64' : 'float32' });
  report.sparse = await benchSparse();
}
if (suites.includes('strassen')) {
  process.stdout.write('\n');
  report.strassen = await benchStrassen({ rounds });
}
if (suites.includes('train')) {
  const names = backendsArg('cpu,tfjs-wasm,onnx');
  const epochs = epochsArg(3);
  const runs = names.map((n) => measure('train', String(epochs), n) as unknown as TrainRow);
  const wasm = runs.find((r) => r.backend === 'tfjs-wasm');
  process.stdout.write(
    `\nSeed recipe on MNIST (60,000 shuffled examples, batch 256), ${epochs} epoch(s) per backend; seconds per epoch exclude the test pass\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['backend', 's/epoch', 'each epoch (s)', 'x tfjs-wasm', 'test MSE', 'peak RSS MB'],
      runs.map((r) => [
        r.backend,
        r.secondsPerEpoch,
        r.epochSeconds.map((x) => x.toFixed(2)).join(' '),
        wasm ? r.secondsPerEpoch / wasm.secondsPerEpoch : '-',
        r.testMse.toFixed(5),
        r.peakRssMb,
      ]),
    )}\n`,
  );
  report.train = runs;
}
if (suites.includes('rss')) {
  const epochs = epochsArg(50);
  const r = measure('train', String(epochs), 'cpu') as unknown as TrainRow;
  process.stdout.write(
    `\nSeed recipe on MNIST, ${epochs} epochs, cpu backend: peak RSS ${r.peakRssMb.toFixed(0)} MB, ` +
      `${r.secondsPerEpoch.toFixed(2)} s/epoch, test MSE ${r.testMse.toFixed(5)}\n`,
  );
  report.rss = r;
}
if (suites.includes('profile')) report.profile = await profileCpuStep();
if (suites.includes('profile-scale')) report.profileScale = await profileScaleStep();
if (args.json) {
  await writeFileAtomic(args.json, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`wrote ${args.json}\n`);
}
