#!/usr/bin/env node
// Run by hand (not by CI), after `pnpm --filter @saekit/cli build`:
//   node apps/cli/scripts/kill-test.mjs [--runs 20]
// kill -9s a short `saekit train` at random moments, half of them while it overwrites an older run
// of another size, and checks what each leaves: every run directory loads with `saekit eval
// --model` or is marked unfinished in run.json, and no directory mixes files of two runs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const runs = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20;
const OLD_HIDDEN = 16;
const NEW_HIDDEN = 24;
const trainArgs = (out, hidden, seed) => [
  'train',
  '--limit',
  '10000',
  '--epochs',
  '8',
  '--hidden',
  String(hidden),
  '--seed',
  String(seed),
  '--out',
  out,
];
const saekit = (...args) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8' });

const base = await mkdtemp(join(tmpdir(), 'saekit-kill-'));
const t0 = performance.now();
const ref = saekit(...trainArgs(join(base, 'reference'), NEW_HIDDEN, 1), '--overwrite');
if (ref.status !== 0) throw new Error(`the reference run failed: ${ref.stderr}`);
const duration = performance.now() - t0;
console.log(
  `a whole run takes ${(duration / 1000).toFixed(1)} s; killing ${runs} runs in [0, ${((1.1 * duration) / 1000).toFixed(1)}] s`,
);

const tally = {
  complete: 0,
  unfinished: 0,
  oldRunIntact: 0,
  noDirectory: 0,
  hiddenLeftovers: 0,
  problems: 0,
};
for (let i = 0; i < runs; i++) {
  const out = join(base, `run-${i}`);
  const overwriting = i % 2 === 1;
  if (overwriting) {
    const old = saekit(...trainArgs(out, OLD_HIDDEN, 100 + i));
    if (old.status !== 0) throw new Error(`the older run failed: ${old.stderr}`);
  }
  const at = Math.random() * 1.1 * duration;
  const child = spawn(process.execPath, [MAIN, ...trainArgs(out, NEW_HIDDEN, i), '--overwrite'], {
    stdio: 'ignore',
  });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r(signal ?? code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), at);
  const how = await exited;
  clearTimeout(timer);
  const verdict = await inspect(out, i);
  // A killed run's lock (.run-i.lock) is stale, and the next run on that directory takes it over.
  const leftovers = (await readdir(base)).filter((n) => n.startsWith(`.run-${i}.`) && !n.endsWith('.lock'));
  tally.hiddenLeftovers += leftovers.length;
  if (verdict.problem) tally.problems++;
  else tally[verdict.kind]++;
  console.log(
    `#${i} ${overwriting ? 'overwrite' : 'fresh    '} kill at ${(at / 1000).toFixed(2)} s (${how === 'SIGKILL' ? 'killed' : `exited ${how}`}): ${verdict.problem ?? verdict.kind}${leftovers.length ? `; hidden leftovers: ${leftovers.join(', ')}` : ''}`,
  );
}
console.log(JSON.stringify(tally));
process.exit(tally.problems ? 1 : 0);

/** What a killed run left in `out`: complete, unfinished (marked), the old run intact, or a problem. */
async function inspect(out, i) {
  if (!existsSync(out)) return { kind: 'noDirectory' };
  const names = (await readdir(out)).filter((n) => !(n.startsWith('.') && n.endsWith('.tmp')));
  const read = async (f) => JSON.parse(await readFile(join(out, f), 'utf8'));
  if (
    !names.includes('cfg.json') ||
    !names.includes('sae_weights.safetensors') ||
    !names.includes('run.json')
  )
    return { problem: `PROBLEM: incomplete directory without a marker: ${names.join(', ')}` };
  const cfg = await read('cfg.json');
  const runJson = await read('run.json');
  const hidden = cfg.saekit.hiddenDim;
  if (runJson.config.hiddenDim !== hidden) return { problem: 'PROBLEM: cfg.json and run.json of two runs' };
  if (names.includes('metrics.json')) {
    const m = await read('metrics.json');
    if (m.test?.meanActivation && m.test.meanActivation.length !== hidden)
      return { problem: 'PROBLEM: metrics.json of another run' };
  }
  const figures = names.filter((n) => n.endsWith('.png') || n === 'index.html');
  const isOld = hidden === OLD_HIDDEN;
  if (!isOld && runJson.seed !== i) return { problem: 'PROBLEM: run.json of another run' };
  if (!isOld && figures.length && runJson.state?.status !== 'complete')
    return { problem: `PROBLEM: figures beside an unfinished run: ${figures.join(', ')}` };
  const ev = saekit('eval', '--model', out, '--limit', '200');
  if (ev.status !== 0) return { problem: `PROBLEM: eval --model fails: ${ev.stderr.trim()}` };
  if (isOld) return { kind: 'oldRunIntact' };
  const status = runJson.state?.status;
  if (status === 'complete') return { kind: 'complete' };
  if (status === 'running' && /unfinished run/.test(ev.stderr)) return { kind: 'unfinished' };
  return { problem: `PROBLEM: state ${status} without eval's note` };
}
