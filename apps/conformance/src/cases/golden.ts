import { basename, dirname, join } from 'node:path';
import type { Backend } from '@saekit/core';
import {
  GOLDEN_TOLERANCE,
  type GoldenCase,
  parseGoldenCase,
  runGoldenCase,
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
  const names = listGoldenNames(dir);
  if (!names.length) {
    return [
      {
        group: 'golden',
        name: 'golden cases',
        run: () => Promise.reject(new SkipCase(`no *.json in golden dir ${dir}`)),
      },
    ];
  }
  return names.map((name) => goldenFileCase(join(dir, `${name}.json`), tol));
}

/**
 * A golden file as a case (with its `.safetensors` beside it when in the repo's compact form), named `<file> <encoder>/<decoder>/<sparsity>` (so filters can pick by config). */
export function goldenFileCase(path: string, tol: Tolerance = GOLDEN_TOLERANCE): ConformanceCase {
  const stem = basename(path, '.json');
  let parsed: GoldenCase | undefined;
  let problem: Error | undefined;
  try {
    parsed = parseGoldenCase(readGoldenDoc(dirname(path), stem));
  } catch (e) {
    problem = new Error(`golden file ${path} could not be read: ${(e as Error).message}`);
  }
  return {
    group: 'golden',
    name: parsed ? `${stem} ${variantName(parsed.config)}` : stem,
    run: (backend: Backend) => (parsed ? runGoldenCase(backend, parsed, tol) : Promise.reject(problem)),
  };
}
