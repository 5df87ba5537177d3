#!/usr/bin/env node
// Run by hand (not by CI), after `pnpm build`:
//   node apps/cli/scripts/kill-resume.mjs [--kills 10] [--every 25]
// Writes a small activation set in a temp dir, trains a TopK SAE on it once uninterrupted, then
// trains it again killing the process with SIGKILL at `--kills` random moments, each time going on
// with `saekit train --resume`. After every kill it checks that the run directory loads
// (`saekit eval --model`) and how much work was lost: the last step the killed process reported
// (a progress line every step) minus the step of the checkpoint it left, which must be at most one
// checkpoint interval. At the end the weights must equal the uninterrupted run's, bit for bit.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticActivations } from '@saekit/datasets';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const kills = arg('kills', 10);
const every = arg('every', 25);

const base = await mkdtemp(join(tmpdir(), 'saekit-kill-resume-'));
const acts = join(base, 'acts');
await writeSyntheticActivations({
  dir: acts,
  rows: 20000,
  dim: 64,
  features: 256,
  activePerRow: 8,
  dtype: 'f16',
  shardRows: 3000,
  seed: 1,
});
const args = (out) => [
  'train',
  '--dataset',
  acts,
  '--encoder',
  'topk',
  '--k',
  '8',
  '--hidden',
  '128',
  '--batch-size',
  '64',
  '--epochs',
  '2',
  '--normalize',
  '--exclude-outliers',
  '4',
  '--buffer-rows',
  '2048',
  '--checkpoint-every',
  String(every),
  '--metrics-every',
  '1',
  '--no-report',
  '--quiet',
  '--out',
  out,
];
const saekit = (...a) => spawnSync(process.execPath, [MAIN, ...a], { encoding: 'utf8' });

const t0 = performance.now();
const ref = saekit(...args(join(base, 'reference')));
if (ref.status !== 0) throw new Error(`the reference run failed: ${ref.stderr}`);
const duration = performance.now() - t0;
const totalSteps = JSON.parse(await readFile(join(base, 'reference', 'metrics.json'), 'utf8')).steps.at(
  -1,
).step;
// Steps to kill at, one in each of `kills` equal stretches of the run, so kills fall all over it.
const targets = Array.from(
  { length: kills },
  (_, k) => Math.floor(((k + Math.random()) * (totalSteps - 1)) / kills) + 1,
);
console.log(
  `the uninterrupted run takes ${(duration / 1000).toFixed(1)} s, ${totalSteps} steps; checkpoints every ${every} steps`,
);

/**
 * Runs saekit and SIGKILLs it `ms` after it reports step `target` (so kills fall all over the run,
 * not in the start-up, which takes longer than a step); resolves to the last "step N" it printed.
 */
function killAfter(a, target, ms) {
  return new Promise((done) => {
    // --quiet hides progress; without it the probe lines say which step was reached.
    const child = spawn(process.execPath, [MAIN, ...a.filter((x) => x !== '--quiet')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let lastStep = 0;
    let buf = '';
    child.stderr.on('data', (b) => {
      buf += b.toString();
      const lines = buf.split('\n');
      buf = lines.pop();
      for (const l of lines) {
        const m = /^step (\d+) /.exec(l);
        if (m) lastStep = Number(m[1]);
        if (m && lastStep >= target && !timer) timer = setTimeout(() => child.kill('SIGKILL'), ms);
      }
    });
    let timer;
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ lastStep, how: signal ?? code });
    });
  });
}

/** The global step of the run's train_state.safetensors (what --resume continues from), if any. */
async function resumeStep(dir) {
  const path = join(dir, 'train_state.safetensors');
  if (!existsSync(path)) return undefined;
  const bytes = await readFile(path);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
  return JSON.parse(header.__metadata__['saekit.train_state']).globalStep;
}

const out = join(base, 'run');
let problems = 0;
let maxLost = 0;
for (let k = 0; k < kills; k++) {
  const started = existsSync(join(out, 'run.json'));
  const target = targets[k];
  const at = Math.random() * 200;
  const { lastStep, how } = await killAfter(
    started ? ['train', '--resume', out, '--no-report'] : args(out),
    target,
    at,
  );
  let note;
  if (!existsSync(join(out, 'run.json')))
    note = 'killed before the run directory existed (the next try starts it again)';
  else {
    const state = JSON.parse(await readFile(join(out, 'run.json'), 'utf8')).state;
    const ev = saekit('eval', '--model', out, '--dataset', acts, '--eval-fraction', '0.01');
    if (ev.status !== 0) {
      problems++;
      note = `PROBLEM: eval --model fails: ${ev.stderr.trim()}`;
    } else {
      // The step --resume continues from is the training state's: run.json (and the weights) are
      // written after it, so a kill between the two leaves run.json one checkpoint behind.
      const saved = (await resumeStep(out)) ?? state.globalStep ?? 0;
      const lost = Math.max(0, lastStep - saved);
      maxLost = Math.max(maxLost, lost);
      if (lost > every) problems++;
      note = `${state.status}, checkpoint at step ${saved}, last step reported ${lastStep}: lost ${lost} steps${lost > every ? ' PROBLEM: more than one interval' : ''}; eval --model loads it`;
    }
  }
  console.log(
    `kill ${k + 1}, ${at.toFixed(0)} ms after step ${target} (${how === 'SIGKILL' ? 'killed' : `exited ${how}`}): ${note}`,
  );
}
const last = existsSync(join(out, 'run.json'))
  ? saekit('train', '--resume', out, '--no-report')
  : saekit(...args(out));
if (last.status !== 0 && !/the run is complete/.test(last.stderr))
  throw new Error(`the last resume failed: ${last.stderr}`);
const same =
  Buffer.compare(
    await readFile(join(out, 'sae_weights.safetensors')),
    await readFile(join(base, 'reference', 'sae_weights.safetensors')),
  ) === 0;
if (!same) problems++;
console.log(
  JSON.stringify({
    kills,
    checkpointEvery: every,
    maxLostSteps: maxLost,
    finalWeightsBitIdentical: same,
    problems,
  }),
);
await rm(base, { recursive: true, force: true });
process.exit(problems ? 1 : 0);
