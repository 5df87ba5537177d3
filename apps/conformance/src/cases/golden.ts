import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { type Backend, hasSparseFormulation } from '@saekit/core';
import {
  type Comparison,
  GOLDEN_TOLERANCE,
  isModernGoldenDoc,
  parseGoldenCase,
  parseModernGoldenCase,
  runGoldenCase,
  runModernGoldenCase,
  type Tolerance,
} from '@saekit/core/testing';
import { listGoldenNames, readGoldenDoc, resolveGoldenDir } from '@saekit/test-data';
import { type ConformanceCase, SkipCase } from '../types.js';
import { variantName } from './sae-data.js';

/**
 * One case per `*.json` in the golden directory: forward, loss parts, gradients and the Adam
 * steps, each against PyTorch's float64 values (`runGoldenCase`). A missing directory gives one
 * skipped case instead of a crash; a file that does not parse gives an error row.
 */
export function goldenCases(options: { dir?: string; tolerance?: Tolerance } = {}): ConformanceCase[] {
  const { dir, tried } = resolveGoldenDir(options.dir);
  const tol = options.tolerance ?? GOLDEN_TOLERANCE;
  if (!dir) {
    return [
      {
        group: 'golden',
        name: 'golden cases',
        run: () =>
          Promise.reject(new SkipCase(`golden dir not found (tried ${tried.join(', ') || 'nothing'})`)),
      },
    ];
  }
  const files = goldenFiles(dir);
  if (!files.length) {
    return [
      {
        group: 'golden',
        name: 'golden cases',
        run: () => Promise.reject(new SkipCase(`no *.json in golden dir ${dir}`)),
      },
    ];
  }
  // Cases of other kinds (geometric median, metrics) pin host code, not graphs: not listed.
  return files
    .filter((path) => isGraphCase(path))
    .flatMap((path) => goldenFileCases(path, tol, relative(dir, dirname(path))));
}

/** Whether a golden file is a graph case (classic, or modern of kind "train"); unreadable ones are, to report them. */
function isGraphCase(path: string): boolean {
  try {
    const kind = readGoldenDoc(dirname(path), basename(path, '.json')).kind;
    return kind === undefined || kind === 'train';
  } catch {
    return true;
  }
}

/** The `*.json` cases of `dir` and of its subdirectories (the classic cases, then `modern/`, ...). */
function goldenFiles(dir: string): string[] {
  const sub = readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isDirectory())
    .sort();
  return [
    ...listGoldenNames(dir).map((n) => join(dir, `${n}.json`)),
    ...sub.flatMap((s) => goldenFiles(join(dir, s))),
  ];
}

type Runner = (backend: Backend) => Promise<Comparison[]>;

/**
 * Reads one golden document as runnable cases: classic (encoder/decoder/sparsity) or modern
 * (`architecture`, kind "train"; the TopK family once per formulation, dense then sparse). Other
 * kinds (geometric median, metrics) are checked by the tests of the code they pin, so here they
 * are skipped with that said.
 */
function readCases(path: string, tol: Tolerance): { label: string; run: Runner }[] {
  const doc = readGoldenDoc(dirname(path), basename(path, '.json'));
  if (doc.kind !== undefined && doc.kind !== 'train') {
    const why = `kind "${String(doc.kind)}" is not a graph case (its numbers are checked by core's tests)`;
    return [{ label: String(doc.kind), run: () => Promise.reject(new SkipCase(why)) }];
  }
  if (!isModernGoldenDoc(doc)) {
    const g = parseGoldenCase(doc);
    return [{ label: variantName(g.config), run: (b) => runGoldenCase(b, g, tol) }];
  }
  const m = parseModernGoldenCase(doc);
  const arch = m.config.architecture;
  const dense = {
    label: arch,
    run: (b: Backend) => runModernGoldenCase(b, m, tol, { formulation: 'dense' }),
  };
  if (!hasSparseFormulation(arch)) return [dense];
  const cases = [
    dense,
    {
      label: `${arch} sparse`,
      run: (b: Backend) => runModernGoldenCase(b, m, tol, { formulation: 'sparse' }),
    },
  ];
  // BatchTopK with fewer candidates per row than latents: the selection and its exactness check.
  const half = Math.floor(m.config.hiddenDim / 2);
  if (arch !== 'topk' && half >= Math.ceil(m.config.k ?? 1))
    cases.push({
      label: `${arch} sparse m=${half}`,
      run: (b) => runModernGoldenCase(b, m, tol, { formulation: 'sparse', candidates: half }),
    });
  return cases;
}

/**
 * A golden file as a case (with its `.safetensors` beside it when in the repo's compact form),
 * named `<subdir/file> <encoder>/<decoder>/<sparsity>` or `<subdir/file> <architecture>` (so
 * filters can pick by config).
 */
export function goldenFileCase(
  path: string,
  tol: Tolerance = GOLDEN_TOLERANCE,
  subdir = '',
): ConformanceCase {
  return goldenFileCases(path, tol, subdir)[0];
}

/** Every case of a golden file: one, or for a modern TopK-family file the dense and the sparse (`… sparse`). */
export function goldenFileCases(
  path: string,
  tol: Tolerance = GOLDEN_TOLERANCE,
  subdir = '',
): ConformanceCase[] {
  const stem = subdir ? `${subdir}/${basename(path, '.json')}` : basename(path, '.json');
  try {
    return readCases(path, tol).map(({ label, run }) => ({ group: 'golden', name: `${stem} ${label}`, run }));
  } catch (e) {
    const problem = new Error(`golden file ${path} could not be read: ${(e as Error).message}`);
    return [{ group: 'golden', name: stem, run: () => Promise.reject(problem) }];
  }
}
