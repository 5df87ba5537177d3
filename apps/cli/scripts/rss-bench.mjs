#!/usr/bin/env node
// Run by hand (not by CI), after `pnpm build`:
//   node apps/cli/scripts/rss-bench.mjs [--sizes 0.05,5] [--steps 300] [--hidden 1536] [--k 32]
//     [--batch-size 256] [--dir /tmp] [--commands train,eval,encode]
// For each size (GB), writes one float16 .npy of 768-d synthetic activations into a temp dir, then
// trains a TopK SAE on it with `saekit train --dataset FILE --max-steps N`, and reports the peak RSS
// of the training process (VmHWM from /proc/PID/status, read every 50 ms: the high-water mark only
// grows) and its wall time. Every size gets the same model, steps and held-out set (a separate
// small file), so the peak RSS should not depend on the size. With `eval` / `encode` in
// --commands, a model trained first on the small held-out file (and its exported encoder) is
// evaluated on each whole file (`saekit eval --dataset FILE`) and encodes it (`saekit encode
// --input FILE`), each command's peak RSS measured the same way. The temp dir is deleted at the end.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const SYNTH = fileURLToPath(
  new URL('../../../packages/datasets/dist/activations/synth-main.js', import.meta.url),
);
const opt = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = opt('sizes', '0.05,5').split(',').map(Number);
const steps = opt('steps', '300');
const commands = opt('commands', 'train').split(',');
for (const c of commands)
  if (!['train', 'eval', 'encode'].includes(c))
    throw new Error(`--commands: ${c} is not train, eval or encode`);
const base = await mkdtemp(join(opt('dir', tmpdir()), 'saekit-rss-'));

/** Writes `gb` GB of f16 768-d rows as one .npy (one shard as big as the set); returns its path. */
function synth(dir, gb, extra = []) {
  const r = spawnSync(
    process.execPath,
    [
      SYNTH,
      '--out',
      dir,
      '--gb',
      String(gb),
      '--dtype',
      'f16',
      '--dim',
      '768',
      '--features',
      '2048',
      '--active',
      '8',
      '--shard-mb',
      '1000000',
      ...extra,
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`synth-activations failed: ${r.stderr}`);
  return join(dir, 'shard-00000.npy');
}

/** Peak RSS (MB) of a process: the last VmHWM read from /proc before it exits. */
function peakRss(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function train(file, evalFile, out, maxSteps = steps) {
  return saekit([
    'train',
    '--dataset',
    file,
    '--eval-dataset',
    evalFile,
    '--encoder',
    'topk',
    '--k',
    opt('k', '32'),
    '--hidden',
    opt('hidden', '1536'),
    '--batch-size',
    opt('batch-size', '256'),
    '--max-steps',
    maxSteps,
    '--normalize',
    '--no-report',
    '--quiet',
    '--out',
    out,
  ]);
}

/** Runs `saekit ARGS`, polling its peak RSS; resolves to it, the wall time and the last stdout line. */
function saekit(args) {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    const timer = setInterval(() => (peak = Math.max(peak, peakRss(child.pid))), 50);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) fail(new Error(`saekit ${args[0]} failed (${code}): ${stderr}`));
      else
        done({
          peakRssMB: Math.round(peak),
          seconds: (performance.now() - t0) / 1000,
          line: stdout.trim().split('\n').at(-1),
        });
    });
  });
}

try {
  const evalFile = synth(join(base, 'eval'), 0.003, ['--seed', '99']);
  const model = join(base, 'model');
  const onnx = join(base, 'encoder.onnx');
  if (commands.some((c) => c !== 'train')) {
    await train(evalFile, evalFile, model, '20');
    await saekit(['export', '--model', model, '--onnx', onnx, '--part', 'encoder']);
  }
  const run = {
    train: (file, gb) => train(file, evalFile, join(base, `run-${gb}`)),
    eval: (file) => saekit(['eval', '--model', model, '--dataset', file, '--json', join(base, 'eval.json')]),
    encode: (file) =>
      saekit(['encode', '--onnx', onnx, '--input', file, '--out', join(base, 'latents.safetensors')]),
  };
  const results = [];
  for (const gb of sizes) {
    const t0 = performance.now();
    const file = synth(join(base, `set-${gb}`), gb);
    const bytes = (await stat(file)).size;
    const genSeconds = (performance.now() - t0) / 1000;
    for (const command of commands) {
      const r = await run[command](file, gb);
      results.push({ command, gb, fileBytes: bytes, generateSeconds: Math.round(genSeconds), ...r });
      console.log(JSON.stringify(results.at(-1)));
    }
    await rm(join(base, `set-${gb}`), { recursive: true, force: true });
    await rm(join(base, 'latents.safetensors'), { force: true });
  }
  for (const command of commands) {
    const peaks = results.filter((r) => r.command === command).map((r) => r.peakRssMB);
    const spread = (Math.max(...peaks) - Math.min(...peaks)) / Math.min(...peaks);
    console.log(
      JSON.stringify({
        command,
        ...(command === 'train' ? { steps: Number(steps) } : {}),
        peakRssMB: peaks,
        spread: Number(spread.toFixed(3)),
        under1GB: Math.max(...peaks) < 1024,
      }),
    );
  }
} finally {
  await rm(base, { recursive: true, force: true });
}
