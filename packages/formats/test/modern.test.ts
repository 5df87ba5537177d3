import { join } from 'node:path';
import {
  buildForwardGraph,
  initParams,
  type ModernSaeConfig,
  Rng,
  type SaeParams,
  validateModernConfig,
} from '@saekit/core';
import { evaluateGraph, parseModernGoldenCase } from '@saekit/core/testing';
import { IN_REPO_GOLDEN_DIR, readGoldenDoc } from '@saekit/test-data';
import { describe, expect, it } from 'vitest';
import {
  fromSaekit,
  LazySafetensors,
  loadSae,
  memoryFiles,
  memorySource,
  saeLensFiles,
  toModernSaekit,
} from '../src/index.js';
import { loadSaePath } from '../src/node/index.js';
import { FIXTURES, latentsOf, maxAbsDiff } from './helpers.js';

const GOLDEN = join(IN_REPO_GOLDEN_DIR, 'modern');
const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);
const rowsOf = (flat: ArrayLike<number>, width: number): number[][] =>
  Array.from({ length: flat.length / width }, (_, i) => Array.from(flat).slice(i * width, (i + 1) * width));

/** saekit's own inference forward (core's buildForwardGraph) on the float64 reference evaluator. */
function saekitLatents(config: ModernSaeConfig, params: SaeParams, rows: number[][]): number[][] {
  const g = buildForwardGraph(config, rows.length);
  const values = evaluateGraph(g, { ...params, x: rows.flat() } as Record<string, ArrayLike<number>>);
  return rowsOf(values.get(g.outputs.hidden) as Float64Array, config.hiddenDim);
}

/** Each modern golden case at the parameters whose inference latents PyTorch computed. */
function goldenInference(name: string) {
  const c = parseModernGoldenCase(readGoldenDoc(GOLDEN, name));
  const rows = rowsOf(c.batch, c.config.inputDim);
  const bt = c.config.architecture === 'batchtopk' || c.config.architecture === 'matryoshka';
  if (!bt) return { config: c.config, params: c.params, rows, want: c.expect.tensors.hidden };
  // BatchTopK's inference is a JumpReLU at θ: before the steps (batchtopk) or after them (matryoshka).
  const inf = c.expect.inference ?? c.expect.inferenceAfterSteps;
  const after = c.expect.inference ? {} : c.expect.paramsAfterSteps;
  const params = { ...c.params, threshold: Float32Array.of(inf?.threshold ?? Number.NaN) } as SaeParams;
  for (const [n, v] of Object.entries(after))
    (params as Record<string, Float32Array>)[n] = Float32Array.from(v);
  return { config: c.config, params, rows, want: inf?.tensors.hidden };
}

const GOLDEN_CASES = [
  'standard-13x24-b9',
  'standard-nobdec-13x24-b9',
  'topk-nodead-13x24-b9',
  'jumprelu-13x24-b9',
  'batchtopk-13x24-b9',
  'matryoshka-13x24-b9',
];

describe('modern saekit models written as SAELens saves them, then loaded', () => {
  it.each(GOLDEN_CASES)('%s: latents equal saekit forward and PyTorch', async (name) => {
    const { config, params, rows, want } = goldenInference(name);
    const ours = saekitLatents(config, params, rows);
    const expected = rowsOf(want as Float64Array, config.hiddenDim);
    // The golden case pins saekit's own forward first, so the comparison below means something.
    expect(maxAbsDiff(ours, expected)).toBeLessThan(1e-6);
    const loaded = await loadSae(memoryFiles(saeLensFiles(fromSaekit(config, params))));
    const theirs = latentsOf(loaded, rows);
    expect(maxAbsDiff(theirs, ours)).toBeLessThan(1e-6);
    expect(maxAbsDiff(theirs, expected)).toBeLessThan(1e-6);
    expect(theirs.flat().filter((v) => v !== 0).length).toBeGreaterThan(0);
  });

  it.each([
    ['standard', 'standard', {}],
    ['topk', 'topk', { k: 3 }],
    ['jumprelu', 'jumprelu', {}],
    ['batchtopk', 'jumprelu', {}],
    ['matryoshka', 'jumprelu', {}],
  ] as const)('%s: cfg.json and tensors as SAELens writes them (%s)', async (name, arch, extra) => {
    const c = goldenInference(GOLDEN_CASES.find((n) => n.startsWith(name)) as string);
    const files = saeLensFiles(fromSaekit(c.config, c.params));
    const cfg = JSON.parse(new TextDecoder().decode(files['cfg.json']));
    expect(cfg).toMatchObject({
      architecture: arch,
      d_in: 13,
      d_sae: 24,
      apply_b_dec_to_input: true,
      ...extra,
    });
    if (arch !== 'topk') expect(cfg).not.toHaveProperty('k');
    const st = await LazySafetensors.open(memorySource(files['sae_weights.safetensors']));
    const names = ['W_dec', 'W_enc', 'b_dec', 'b_enc', ...(arch === 'jumprelu' ? ['threshold'] : [])];
    expect([...st.names()].sort()).toEqual(names);
    if (arch !== 'jumprelu') return;
    const theta = await st.tensor('threshold');
    expect(theta.shape).toEqual([24]);
    const want =
      name === 'jumprelu'
        ? Float32Array.from(c.params.log_threshold as Float32Array, Math.exp)
        : new Float32Array(24).fill((c.params.threshold as Float32Array)[0]);
    expect(bitsOf(theta.data)).toEqual(bitsOf(want));
  });
});

describe('modern saekit -> SAELens files -> saekit', () => {
  const rng = new Rng(11);
  const rows = Array.from({ length: 6 }, () => Array.from(rng.uniformArray(7, -2, 2)));
  const configs: ModernSaeConfig[] = [
    { architecture: 'standard', inputDim: 7, hiddenDim: 10, l1Coefficient: 0 },
    { architecture: 'standard', inputDim: 7, hiddenDim: 10, l1Coefficient: 0, applyBDecToInput: false },
    { architecture: 'topk', inputDim: 7, hiddenDim: 10, k: 3, applyBDecToInput: true },
    { architecture: 'jumprelu', inputDim: 7, hiddenDim: 10, l0Coefficient: 0 },
  ];
  const paramsOf = (config: ModernSaeConfig): SaeParams => {
    const p = initParams(config, new Rng(5));
    for (let i = 0; i < p.b_enc.length; i++) p.b_enc[i] = ((i % 4) - 1.5) / 4;
    for (let i = 0; i < p.b_dec.length; i++) p.b_dec[i] = (i % 3) - 1;
    if (p.log_threshold) p.log_threshold = Float32Array.from(p.log_threshold, (_, i) => -0.5 - i / 3);
    if (p.threshold) p.threshold[0] = 0.05;
    return p;
  };

  it.each(configs)(
    '$architecture (apply_b_dec_to_input $applyBDecToInput) comes back as it was',
    async (config) => {
      const params = paramsOf(config);
      const back = toModernSaekit(await loadSae(memoryFiles(saeLensFiles(fromSaekit(config, params)))));
      const resolved = validateModernConfig(config);
      expect(back.config).toEqual({
        architecture: config.architecture,
        inputDim: 7,
        hiddenDim: 10,
        applyBDecToInput: resolved.applyBDecToInput,
        ...(config.architecture === 'topk' ? { k: 3 } : {}),
        ...(config.architecture === 'standard' ? { l1Coefficient: 0 } : {}),
        ...(config.architecture === 'jumprelu' ? { l0Coefficient: 0 } : {}),
      });
      for (const n of ['W_enc', 'b_enc', 'W_dec', 'b_dec'] as const)
        expect(bitsOf(back.params[n]), n).toEqual(bitsOf(params[n]));
      if (params.log_threshold) {
        // ln(f32(exp(t))) is t up to the float32 rounding of the exp: not bit-exact, hence 1e-6.
        const d = Array.from(params.log_threshold, (t, i) =>
          Math.abs(t - (back.params.log_threshold as Float32Array)[i]),
        );
        expect(Math.max(...d)).toBeLessThan(1e-6);
      }
      expect(
        maxAbsDiff(saekitLatents(back.config, back.params, rows), saekitLatents(config, params, rows)),
      ).toBeLessThan(1e-6);
    },
  );

  it.each(['batchtopk', 'matryoshka'] as const)(
    '%s comes back as the JumpReLU SAELens saved',
    async (arch) => {
      const config: ModernSaeConfig =
        arch === 'batchtopk'
          ? { architecture: arch, inputDim: 7, hiddenDim: 10, k: 2 }
          : { architecture: arch, inputDim: 7, hiddenDim: 10, k: 2, matryoshkaWidths: [4, 10] };
      const params = paramsOf(config);
      const back = toModernSaekit(await loadSae(memoryFiles(saeLensFiles(fromSaekit(config, params)))));
      expect(back.config).toMatchObject({ architecture: 'jumprelu', applyBDecToInput: true });
      expect(Array.from(back.params.log_threshold as Float32Array)).toEqual(
        new Array(10).fill(Math.fround(Math.log(Math.fround(0.05)))),
      );
      const want = saekitLatents(config, params, rows);
      expect(want.flat().filter((v) => v !== 0).length).toBeGreaterThan(0);
      expect(maxAbsDiff(saekitLatents(back.config, back.params, rows), want)).toBeLessThan(1e-6);
    },
  );

  it('refuses what the modern model does not compute, naming it', async () => {
    const gated = await loadSaePath(join(FIXTURES, 'saelens-gated'));
    expect(() => toModernSaekit(gated, 'g')).toThrow(
      /g: saekit's modern model does not compute architecture gated/,
    );
    const ln = await loadSaePath(join(FIXTURES, 'saelens-layer-norm'));
    expect(() => toModernSaekit(ln, 'ln')).toThrow(/normalize_activations layer_norm/);
    const config: ModernSaeConfig = {
      architecture: 'jumprelu',
      inputDim: 7,
      hiddenDim: 10,
      l0Coefficient: 0,
    };
    const jr = fromSaekit(config, paramsOf(config));
    const threshold = { shape: [10], data: new Float32Array(10).fill(0.1) };
    threshold.data[4] = -0.5;
    expect(() => toModernSaekit({ ...jr, params: { ...jr.params, threshold } }, 'jr')).toThrow(
      /threshold -0.5 of latent 4 \(a JumpReLU threshold must be >= 0\)/,
    );
  });
});
