import {
  AttributeType,
  decodeModel,
  decodeModelProto,
  encodeModelProto,
  exportSae,
  InvalidOnnxModelError,
  type ModelProto,
  NotASaeModelError,
  OnnxSaeModel,
  type TensorProto,
} from '@saekit/backend-onnx';
import { type AnySaeConfig, initParams, isModernConfig, Rng, type SaeConfig } from '@saekit/core';
import { pick } from '../mutate.js';
import type { Reading, Target } from '../types.js';

const CONFIGS: SaeConfig[] = [
  { inputDim: 6, hiddenDim: 4, encoder: 'relu', decoder: 'sigmoid', sparsity: { kind: 'none' } },
  { inputDim: 5, hiddenDim: 7, encoder: 'topk', decoder: 'identity', sparsity: { kind: 'none' }, k: 2 },
  { inputDim: 3, hiddenDim: 5, encoder: 'sigmoid', decoder: 'identity', sparsity: { kind: 'none' } },
];
const PROBE_ROWS = 3;

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const [i, c] of CONFIGS.entries()) {
    const p = initParams(c, new Rng(i));
    out.push(new Uint8Array(exportSae(c, p, { part: 'encoder' })));
    out.push(new Uint8Array(exportSae(c, p, { part: i === 0 ? 'autoencoder' : 'encoder', opset: 26 })));
  }
  return out;
}

const OPS = [
  'Relu',
  'Selu',
  'Sigmoid',
  'Elu',
  'Identity',
  'Loop',
  'If',
  'Scan',
  'Gemm',
  'MatMul',
  'Abs',
  'Neg',
];

/** Structural forgeries of a decoded seed. */
function forge(rng: Rng, seedFiles: readonly Uint8Array[]): Uint8Array | undefined {
  const m = decodeModel(new Uint8Array(pick(rng, seedFiles)));
  const g = m.graph!;
  const nodes = g.node ?? [];
  const inits = g.initializer ?? [];
  const meta = m.metadata_props ?? [];
  switch (rng.int(9)) {
    case 0:
      pick(rng, nodes).op_type = pick(rng, OPS);
      break;
    case 1: {
      const cfg = meta.find((e) => e.key === 'saekit.config');
      if (!cfg?.value) return undefined;
      const c = JSON.parse(cfg.value) as Record<string, unknown>;
      c[pick(rng, ['hiddenDim', 'inputDim', 'k', 'encoder'])] = pick<unknown>(rng, [
        26_843_545_600,
        1e9,
        0,
        -1,
        3,
        'topk',
        'relu',
        'sigmoid',
      ]);
      cfg.value = JSON.stringify(c);
      break;
    }
    case 2: {
      const t = pick(rng, inits);
      t.dims = (t.dims ?? []).map((d) => (rng.int(2) ? d : pick(rng, [0, 1, d + 1, 2 ** 31, 2 ** 40])));
      break;
    }
    case 3: {
      const t = pick(rng, inits) as TensorProto;
      if (!t.raw_data?.length) return undefined;
      const raw = new Uint8Array(t.raw_data);
      const v = new DataView(raw.buffer);
      v.setFloat32(
        4 * rng.int(raw.length >> 2),
        pick(rng, [Number.NaN, Number.POSITIVE_INFINITY, -1e38, 3e-45]),
        true,
      );
      t.raw_data = raw;
      break;
    }
    case 4:
      nodes.push({
        op_type: 'Loop',
        input: ['', ''],
        output: ['loop_out'],
        attribute: [{ name: 'body', type: AttributeType.GRAPH, g: { name: 'b', node: [] } }],
      });
      break;
    case 5:
      pick(rng, nodes).domain = pick(rng, ['com.microsoft', 'ai.onnx.ml', 'x']);
      break;
    case 6: {
      const n = pick(rng, nodes);
      const ins = n.input ?? [];
      if (ins.length)
        ins[rng.int(ins.length)] = pick(rng, ['input', 'W_enc', 'b_enc', 'latents', 'nope', '']);
      break;
    }
    case 7:
      m.opset_import = [{ domain: '', version: pick(rng, [1, 16, 17, 18, 26, 27, 99]) }];
      break;
    default: {
      const t = pick(rng, inits);
      if (!t.raw_data?.length) return undefined;
      t.float_data = Array.from(new Float32Array(new Uint8Array(t.raw_data).buffer));
      t.raw_data = undefined;
      if (rng.int(2)) t.float_data.pop();
    }
  }
  try {
    return new Uint8Array(encodeModelProto(m));
  } catch {
    return undefined;
  }
}

interface Encoded {
  readonly config: AnySaeConfig;
  readonly part: string;
  readonly latents: Float32Array;
  readonly recon?: Float32Array;
}

/** Deterministic probe rows in [-1, 1], so negative pre-activations occur (Relu vs Selu differ). */
function probe(d: number): Float32Array {
  const r = new Rng(12345);
  return Float32Array.from({ length: PROBE_ROWS * d }, () => 2 * r.uniform() - 1);
}

async function read(b: Uint8Array): Promise<Encoded> {
  const m = await OnnxSaeModel.load(b, { threads: 1 });
  try {
    const x = probe(m.config.inputDim);
    const latents = await m.encode(x, PROBE_ROWS);
    const recon = m.part === 'autoencoder' ? await m.reconstruct(x, PROBE_ROWS) : undefined;
    return { config: m.config, part: m.part, latents, recon };
  } finally {
    await m.dispose();
  }
}

/**
 * The values an accepted model must compute: the SAE's formulas in float64 from the weights in the
 * file, the sizes from the weights' shapes (not the metadata), every weight finite.
 */
export function referenceOnnx(b: Uint8Array, accepted?: unknown): Reading {
  const no = (why: string): Reading => ({ ok: false, why });
  let m: ModelProto;
  try {
    m = decodeModelProto(b);
  } catch {
    return no('protobuf');
  }
  if (accepted === undefined) return no('not judged: the reference runs only what the reader accepted');
  const got = accepted as Encoded;
  const weights = new Map<string, { dims: number[]; values: Float32Array }>();
  for (const t of m.graph?.initializer ?? []) {
    if (t.data_type !== 1) continue;
    const values = t.raw_data?.length
      ? new Float32Array(new Uint8Array(t.raw_data).buffer)
      : Float32Array.from(t.float_data ?? []);
    weights.set(t.name ?? '', { dims: t.dims ?? [], values });
  }
  const w = weights.get('W_enc');
  const bias = weights.get('b_enc');
  if (!w || !bias || w.dims.length !== 2) return no('weights');
  const [d, h] = w.dims;
  const c = got.config;
  // The seeds are classic models: a mutant read as a modern recipe has no oracle here, so it is flagged.
  if (isModernConfig(c)) return no('architecture');
  if (c.inputDim !== d || c.hiddenDim !== h || bias.values.length !== h || w.values.length !== d * h)
    return no('sizes');
  for (const t of weights.values()) if (!t.values.every(Number.isFinite)) return no('non-finite weight');
  const x = probe(d);
  const z = new Float64Array(PROBE_ROWS * h);
  for (let r = 0; r < PROBE_ROWS; r++) {
    const pre = Array.from({ length: h }, (_, j) => {
      let s = bias.values[j];
      for (let i = 0; i < d; i++) s += x[r * d + i] * w.values[i * h + j];
      return s;
    });
    const kth = c.encoder === 'topk' ? [...pre].sort((p, q) => q - p)[(c.k ?? 1) - 1] : -Infinity;
    for (let j = 0; j < h; j++) {
      const p = pre[j];
      z[r * h + j] = c.encoder === 'sigmoid' ? 1 / (1 + Math.exp(-p)) : p >= kth ? Math.max(0, p) : 0;
    }
  }
  const close = (a: ArrayLike<number>, e: ArrayLike<number>) =>
    a.length === e.length && Array.from(e).every((v, i) => Math.abs(a[i] - v) <= 1e-4 * (1 + Math.abs(v)));
  if (!close(got.latents, z)) return no('latents differ from the formula');
  if (got.part === 'autoencoder') {
    const wd = weights.get('W_dec');
    const bd = weights.get('b_dec');
    if (!wd || !bd || !got.recon) return no('decoder');
    const y = Array.from({ length: PROBE_ROWS * d }, (_, k) => {
      const r = Math.floor(k / d);
      const i = k % d;
      let s = bd.values[i];
      for (let j = 0; j < h; j++) s += z[r * h + j] * wd.values[j * d + i];
      return c.decoder === 'sigmoid' ? 1 / (1 + Math.exp(-s)) : s;
    });
    if (!close(got.recon, y)) return no('reconstruction differs from the formula');
  }
  return { ok: true, value: got };
}

export const onnxTarget: Target = {
  name: 'onnx',
  seeds,
  forge,
  read,
  ownError: (e) => e instanceof InvalidOnnxModelError || e instanceof NotASaeModelError,
  reference: referenceOnnx,
};
