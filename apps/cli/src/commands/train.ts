import { ARCHITECTURES, type Formulation, type SaeConfig, type Sparsity } from '@saekit/core';
import { type Command, Option } from 'commander';
import { fraction, int, nonNegative, positive } from '../args.js';
import { type ArchFlags, widthList } from './train-arch.js';
import { FORMULATIONS, providerList } from './train-formulation.js';
import { newRunPlan, resumePlan } from './train-plan.js';
import { executeRun } from './train-run.js';

export { savedDivergence } from './train-signals.js';

export interface TrainFlags extends ArchFlags {
  dataset: string;
  dataDir?: string;
  cacheDir?: string;
  tensor?: string;
  evalFraction?: number;
  evalDataset?: string;
  evalMaxRows?: number;
  bufferRows: number;
  normalize: boolean;
  excludeOutliers?: number;
  backend: string;
  providers?: string[];
  formulation?: Formulation;
  sparseCandidates?: number;
  epochs?: number;
  batchSize: number;
  hidden?: number;
  encoder?: SaeConfig['encoder'];
  decoder?: SaeConfig['decoder'];
  sparsity?: Sparsity['kind'];
  sparsityWeight?: number;
  rho: number;
  klClamp: boolean;
  optimizer: 'adam' | 'sgd';
  lr: number;
  seed: number;
  limit?: number;
  out?: string;
  overwrite: boolean;
  checkpointEvery: number;
  metricsEvery: number;
  maxSteps?: number;
  resume?: string;
  breakLock: boolean;
  maxMemory?: number;
  report: boolean;
  quiet: boolean;
}

/** Flags a resumed run may take: the rest come from the run being resumed (its run.json). */
export const RESUME_FLAGS = [
  'resume',
  'breakLock',
  'quiet',
  'report',
  'maxMemory',
  'checkpointEvery',
  // The same numbers on other hardware: a run may continue on a GPU box.
  'providers',
];

export function trainCommand(program: Command): void {
  program
    .command('train')
    .description('train a sparse autoencoder and write its checkpoint, metrics and figures to --out')
    .option(
      '--dataset <name>',
      'synthetic | mnist | fashion-mnist | a directory of IDX files | activations: a .npy or .safetensors file, or a directory of them (streamed, never loaded whole)',
      'synthetic',
    )
    .option(
      '--data-dir <dir>',
      'read MNIST / Fashion-MNIST files from this directory instead of the download cache',
    )
    .option('--cache-dir <dir>', 'download cache (default $SAEKIT_CACHE_DIR or ~/.cache/saekit)')
    .option('--tensor <name>', 'activations: the safetensors tensor (default: the only 2-D one)')
    .option('--eval-fraction <f>', 'activations: hold out the last share of rows (default 0.01)', fraction)
    .option('--eval-dataset <path>', 'activations: a separate held-out set instead of --eval-fraction')
    .option(
      '--eval-max-rows <n>',
      'activations: held-out rows evaluated at the end, at most (the first ones; default all, streamed); each epoch evaluates the first 4096',
      int(1),
    )
    .option(
      '--buffer-rows <n>',
      'activations: rows of the shuffling buffer (its memory: rows × dim × 4 bytes)',
      int(1),
      16384,
    )
    .option(
      '--normalize',
      "activations: scale inputs by √d_in / E‖x‖ (SAELens'), folded into the saved weights",
      false,
    )
    .option(
      '--exclude-outliers <k>',
      'activations: leave out rows whose norm is above k × the median norm',
      positive,
    )
    .addOption(
      new Option('--backend <name>', 'cpu | tfjs-wasm | tfjs-cpu | onnx | path to a backend module').default(
        'cpu',
      ),
    )
    .option(
      '--providers <list>',
      '--backend onnx: ONNX Runtime execution providers in order of preference, e.g. cuda,cpu (default cpu); see docs/modern-saes.md',
      providerList,
    )
    .addOption(
      new Option(
        '--formulation <f>',
        'TopK family (--arch topk, batchtopk, matryoshka; --encoder topk): sparse (indices and values of the active latents, sparse decoder products; the default) or dense (masks over all latents); same numbers',
      ).choices(FORMULATIONS),
    )
    .option(
      '--sparse-candidates <n>',
      "--arch batchtopk, matryoshka, sparse: each row's largest pre-activations the batch selection chooses among (default min(hidden, 8·⌈k⌉)); a step where a row fills them all stops the run",
      int(1),
    )
    .option('--epochs <n>', 'epochs (default: 20 synthetic, 50 images, 1 activations)', int(1))
    .option('--batch-size <n>', 'examples per step', int(1), 256)
    .option('--hidden <n>', 'hidden units (default: 256 synthetic and activations, 64 images)', int(1))
    .addOption(
      new Option(
        '--arch <name>',
        'a modern SAE recipe (see docs/modern-saes.md) instead of the classic model',
      ).choices(ARCHITECTURES),
    )
    .addOption(new Option('--encoder <act>', 'encoder activation').choices(['relu', 'sigmoid', 'topk']))
    .option(
      '--k <n>',
      'active units per example: --encoder topk, --arch topk (integers); --arch batchtopk, matryoshka (mean per row; default 4)',
      positive,
    )
    .option(
      '--l1-coefficient <c>',
      '--arch standard: weight of L1 · decoder row norm (default 0.8)',
      nonNegative,
    )
    .option('--l0-coefficient <c>', '--arch jumprelu: weight of the L0 penalty (default 0.03)', nonNegative)
    .option(
      '--k-aux <n>',
      'topk family: AuxK on dead latents with this many of them (off by default)',
      int(1),
    )
    .option('--aux-coefficient <c>', 'topk family: weight of the AuxK loss (default 1/32)', nonNegative)
    .option(
      '--dead-after-tokens <n>',
      'topk family: a latent is dead after this many tokens unfired (default 1e7)',
      int(1),
    )
    .option(
      '--matryoshka-widths <list>',
      '--arch matryoshka: prefix widths, e.g. 32,64,256 (default H/2,H)',
      widthList,
    )
    .option('--decoder-unit-norm', '--arch: keep decoder rows at unit norm (default for the topk family)')
    .option('--no-decoder-unit-norm', '--arch: do not constrain the decoder rows')
    .option('--grad-clip <norm>', '--arch: clip the gradients to this global norm', positive)
    .option('--lr-warmup-steps <n>', '--arch: linear learning-rate warm-up', int(1))
    .option('--lr-decay-steps <n>', '--arch: linear learning-rate decay to 0 over the last n steps', int(1))
    .option(
      '--sparsity-warmup-steps <n>',
      '--arch standard, jumprelu: linear warm-up of the sparsity coefficient',
      int(1),
    )
    .option('--beta1 <b>', "Adam's beta1 (default 0.9)", fraction)
    .option('--beta2 <b>', "Adam's beta2 (default 0.999)", fraction)
    .option('--eps <e>', "Adam's epsilon (default 1e-8)", positive)
    .addOption(
      new Option(
        '--init-b-dec <how>',
        '--arch: b_dec at zero or at the geometric median of (up to 4096) training rows (held-out rows for activations)',
      ).choices(['zeros', 'geometric-median']),
    )
    .addOption(new Option('--decoder <act>', 'decoder activation').choices(['sigmoid', 'identity']))
    .addOption(new Option('--sparsity <kind>', 'sparsity penalty').choices(['kl', 'l1', 'none']))
    .option(
      '--sparsity-weight <w>',
      'penalty weight (default: 0.003 for l1 on synthetic, 0.001 for l1 on images, 0.1 for kl)',
      nonNegative,
    )
    .option('--rho <r>', 'KL target activation', fraction, 0.05)
    .option(
      '--kl-clamp',
      "cap KL's batch-mean activation below 1: the seed's formula, but finite where it is NaN",
      false,
    )
    .addOption(new Option('--optimizer <kind>', 'optimizer').choices(['adam', 'sgd']).default('adam'))
    .option('--lr <lr>', 'learning rate', positive, 1e-3)
    .option('--seed <n>', 'seed for init, shuffling and synthetic data', int(0), 0)
    .option('--limit <n>', 'use only the first n examples of each split (quick runs)', int(1))
    .option('--out <dir>', 'run directory (default runs/<dataset>-<time>); an existing one is refused')
    .option('--overwrite', 'replace the run already in --out (its files are all removed)', false)
    .option(
      '--checkpoint-every <n>',
      'save the whole training state every n steps (and after each epoch)',
      int(1),
      1000,
    )
    .option(
      '--metrics-every <n>',
      'record loss, L0 and dead fraction in metrics.json every n steps',
      int(1),
      100,
    )
    .option('--max-steps <n>', 'stop after n steps in all (the epoch it falls in ends there)', int(1))
    .option('--resume <dir>', 'continue the unfinished run in this directory, with its settings')
    .option('--break-lock', "take the run directory's lock even from a live process (see README)", false)
    .option(
      '--max-memory <GB>',
      "refuse a model whose estimated training memory exceeds this (default: this machine's memory)",
      positive,
    )
    .option('--no-report', 'skip the figures and index.html')
    .option('--quiet', 'print only errors and the final line', false)
    .action(async (f: TrainFlags, cmd: Command) => {
      const given = (flag: string) => cmd.getOptionValueSource(flag) === 'cli';
      const log = (s: string) => (f.quiet ? undefined : process.stderr.write(`${s}\n`));
      const givenFlags = cmd.options.map((o) => o.attributeName()).filter(given);
      const plan = f.resume ? await resumePlan(f, givenFlags, log) : await newRunPlan(f, given, log);
      await executeRun(plan, { report: f.report, quiet: f.quiet, log });
    });
}
