import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluateGraph } from '@saekit/core/testing';
import { ENCODER_NAMES, encoderGraph, type LoadedSae } from '../src/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface Cases {
  readonly inputs: number[][];
  readonly latents: Record<string, number[][]>;
  /** Load options a fixture needs (a norm scaling factor SAELens keeps outside the files). */
  readonly options: Record<string, { normScalingFactor?: number }>;
}

export const CASES: Cases = JSON.parse(readFileSync(join(FIXTURES, 'latents.json'), 'utf8'));

/** The latents of `rows` through the SAE's encoder graph, on the float64 reference evaluator. */
export function latentsOf(s: LoadedSae, rows: number[][]): number[][] {
  const { graph, feeds } = encoderGraph(s, rows.length);
  const values = evaluateGraph(graph, { ...feeds, [ENCODER_NAMES.input]: rows.flat() });
  const out = values.get(graph.outputs[ENCODER_NAMES.latents]) as Float64Array;
  return rows.map((_, i) => Array.from(out.subarray(i * s.dSae, (i + 1) * s.dSae)));
}

export function maxAbsDiff(a: number[][], b: number[][]): number {
  let m = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < a[i].length; j++) m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
  return m;
}
