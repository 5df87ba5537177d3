// pnpm bench scale: a TopK SAE's training step at the sizes SAEs are trained (default 768 -> 16384,
// k 32, batch 1024, Adam), per backend, each in its own process (so peak RSS is its own), and
// PyTorch's step (../shared/anchors/torch_step.py, under its README's best settings) in the same
// run when python3 has torch. Backends and PyTorch alternate round by round.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './measure.js';
import { formatTable } from './table.js';

export const SCALE_USAGE = `usage: pnpm bench scale [--d-in 768] [--d-sae 16384] [--k 32] [--batch 1024] [--steps 10]
                        [--arch topk|batchtopk|matryoshka|jumprelu|standard] [--backends onnx,cpu]
                        [--formulation sparse|dense] [--rounds 1] [--anchors DIR] [--no-torch] [--plain-malloc] [--profile DIR] [--json FILE]
  --arch: a modern recipe (docs/modern-saes.md: AuxK, schedules' host feeds and all) instead of the
  classic TopK SAE; PyTorch's anchor has TopK (and ReLU + L1 for --arch standard) only, so the
  other recipes are timed without it.
  saekit's processes get the same glibc allocator settings as PyTorch's (anchors/README.md) unless
  --plain-malloc. --profile DIR: ONNX Runtime's per-node profile of the onnx runs, written to DIR and
  summed up on stderr (profiled step times are slower, not comparable)`;

/** `classic`: the classic TopK SAE (SaeConfig); the others: core's modern recipes. */
const ARCHS = ['classic', 'topk', 'batchtopk', 'matryoshka', 'jumprelu', 'standard'];

interface ScaleRow {
  readonly backend: string;
  readonly stepMs: number;
  readonly vectorsPerS: number;
  readonly peakRssMb: number;
  readonly rounds: number[];
}

/**
 * glibc's allocator kept from returning memory to the system (anchors/README.md). PyTorch needs it,
 * and so does onnxruntime-node: its binding copies every output into a freshly allocated buffer,
 * which without these settings is fresh mmap'd memory whose pages fault on every step.
 */
const MALLOC_ENV = {
  MALLOC_MMAP_THRESHOLD_: '2000000000',
  MALLOC_TRIM_THRESHOLD_: '2000000000',
  MALLOC_TOP_PAD_: '500000000',
};

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** A positive integer flag, or exit 2 naming it. */
function intFlag(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(
      `saekit-bench scale: --${name} must be a positive integer, got ${v}\n${SCALE_USAGE}\n`,
    );
    process.exit(2);
  }
  return n;
}

/**
 * The Python that has torch: Debian's (`/usr/bin/python3`, where `apt-get install python3-torch` puts
 * it, as anchors/README.md runs it) before whatever `python3` is first on PATH (a pyenv, a venv).
 */
function torchPython(): string | undefined {
  return ['/usr/bin/python3', 'python3'].find((py) => {
    try {
      execFileSync(py, ['-c', 'import torch'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
}

/** PyTorch's best settings on these machines (anchors/README.md), or undefined without torch. */
function torchEnv(python: string | undefined): NodeJS.ProcessEnv | undefined {
  if (python === undefined) return undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, ...MALLOC_ENV, OPENBLAS_CORETYPE: 'SkylakeX' };
  delete env.OPENBLAS_L2_SIZE;
  try {
    const files = execFileSync('dpkg', ['-L', 'libopenblas0-openmp'], { encoding: 'utf8' });
    const blas = files.split('\n').find((f) => f.endsWith('/libblas.so.3'));
    if (blas) env.LD_LIBRARY_PATH = dirname(blas);
  } catch {
    process.stderr.write(
      'bench scale: libopenblas0-openmp is not installed; PyTorch runs with its default BLAS\n',
    );
  }
  return env;
}

// Runs the anchor script in-process under runpy so the same interpreter reports its peak RSS.
const TORCH_WRAPPER = `import json, resource, runpy, sys
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
print(json.dumps({"peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))`;

function lastJson(out: string): Record<string, number | string> {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

export async function benchScale(argv: string[]): Promise<Record<string, unknown>> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        'd-in': { type: 'string', default: '768' },
        'd-sae': { type: 'string', default: '16384' },
        k: { type: 'string', default: '32' },
        batch: { type: 'string', default: '1024' },
        steps: { type: 'string', default: '10' },
        backends: { type: 'string', default: 'onnx,cpu' },
        formulation: { type: 'string', default: 'sparse' },
        arch: { type: 'string', default: 'classic' },
        rounds: { type: 'string', default: '1' },
        anchors: { type: 'string' },
        'no-torch': { type: 'boolean', default: false },
        'plain-malloc': { type: 'boolean', default: false },
        profile: { type: 'string' },
        json: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (e) {
    process.stderr.write(`saekit-bench scale: ${(e as Error).message}\n${SCALE_USAGE}\n`);
    process.exit(2);
  }
  const str = (k: string) => String(values[k]);
  const [d, n, k, batch, steps, rounds] = ['d-in', 'd-sae', 'k', 'batch', 'steps', 'rounds'].map((f) =>
    intFlag(f, str(f)),
  );
  if (k > n) {
    process.stderr.write(`saekit-bench scale: --k ${k} exceeds --d-sae ${n}\n`);
    process.exit(2);
  }
  const formulation = str('formulation');
  if (formulation !== 'sparse' && formulation !== 'dense') {
    process.stderr.write(`saekit-bench scale: --formulation must be sparse or dense, got ${formulation}\n`);
    process.exit(2);
  }
  const arch = str('arch');
  if (!ARCHS.includes(arch)) {
    process.stderr.write(`saekit-bench scale: --arch must be one of ${ARCHS.join(', ')}, got ${arch}\n`);
    process.exit(2);
  }
  // The anchor's recipes: TopK, and ReLU + L1 (its k 0) for the standard SAE.
  const torchK = arch === 'classic' || arch === 'topk' ? k : arch === 'standard' ? 0 : undefined;
  const backends = str('backends').split(',').filter(Boolean);
  const anchor = join(String(values.anchors ?? join(repoRoot, '..', 'shared', 'anchors')), 'torch_step.py');
  const python = values['no-torch'] ? undefined : torchPython();
  const env = torchEnv(python);
  const withTorch = env !== undefined && existsSync(anchor) && torchK !== undefined;
  if (!values['no-torch'] && torchK === undefined)
    process.stderr.write(`bench scale: PyTorch's anchor has no ${arch} step; timing saekit alone\n`);
  else if (!values['no-torch'] && !withTorch)
    process.stderr.write(
      `bench scale: no PyTorch beside this run (python3 with torch, and ${anchor} are needed)\n`,
    );

  const worker = fileURLToPath(new URL('./scale-worker.js', import.meta.url));
  const profileDir = values.profile === undefined ? undefined : resolve(String(values.profile));
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const shape = [d, n, k, batch, steps].map(String);
  const runs = new Map<string, Record<string, number | string>[]>();
  const add = (name: string, r: Record<string, number | string>) =>
    runs.set(name, [...(runs.get(name) ?? []), r]);
  for (let r = 0; r < rounds; r++) {
    for (const b of backends) {
      process.stderr.write(`round ${r + 1}: ${b} (${formulation})...\n`);
      try {
        const profile = profileDir && b === 'onnx' ? [join(profileDir, `onnx-round${r + 1}-`)] : [];
        const out = execFileSync(
          process.execPath,
          ['--expose-gc', worker, b, ...shape, formulation, arch, ...profile],
          {
            encoding: 'utf8',
            env: values['plain-malloc'] ? process.env : { ...process.env, ...MALLOC_ENV },
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        add(b, lastJson(out));
      } catch {
        // The worker has printed its error on stderr; the other systems still run.
        process.stderr.write(`bench scale: ${b} failed; left out of the table\n`);
      }
    }
    if (withTorch) {
      process.stderr.write(`round ${r + 1}: pytorch...\n`);
      const torchShape = [d, n, torchK as number, batch, steps].map(String);
      const out = execFileSync(python as string, ['-c', TORCH_WRAPPER, anchor, ...torchShape, '2'], {
        encoding: 'utf8',
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines = out.trim().split('\n');
      const t = JSON.parse(lines[lines.length - 2]);
      add(String(t.backend), { stepMs: t.ms, peakRssMb: lastJson(out).peakRssMb });
    }
  }
  const rows: ScaleRow[] = [...runs.entries()].map(([backend, rs]) => {
    const ms = rs.map((x) => Number(x.stepMs));
    const stepMs = median(ms);
    return {
      backend,
      stepMs,
      vectorsPerS: (batch / stepMs) * 1000,
      peakRssMb: Math.max(...rs.map((x) => Number(x.peakRssMb))),
      rounds: ms,
    };
  });
  const torch = rows.find((r) => r.backend.startsWith('torch'));
  process.stdout.write(
    `\n${arch === 'classic' ? 'TopK SAE' : `${arch} SAE (modern recipe)`} ${d} -> ${n}, k ${k}, batch ${batch}, Adam; saekit ${formulation} graph${values['plain-malloc'] ? ', plain malloc' : ''}; median step of ${steps} after 3 warm-up, median of ${rounds} round(s)\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      ['system', 'step ms', 'rounds (ms)', 'vectors/s', 'x pytorch', 'peak RSS MB'],
      rows.map((r) => [
        r.backend,
        r.stepMs,
        r.rounds.map((x) => x.toPrecision(4)).join(' '),
        r.vectorsPerS,
        torch ? r.stepMs / torch.stepMs : '-',
        r.peakRssMb,
      ]),
    )}\n`,
  );
  return { shape: { d, n, k, batch, steps, formulation }, rows };
}
