import { CheckpointConfigError, configFromText, configToJson, type Rng, type SaeConfig } from '@saekit/core';
import { canonical, strictParse } from '../json-keys.js';
import { pick, utf8, WEIRD_NUMBERS } from '../mutate.js';
import type { Reading, Target } from '../types.js';

const CONFIGS: SaeConfig[] = [
  {
    inputDim: 784,
    hiddenDim: 64,
    encoder: 'relu',
    decoder: 'sigmoid',
    sparsity: { kind: 'kl', rho: 0.05, weight: 0.1 },
  },
  { inputDim: 64, hiddenDim: 256, encoder: 'topk', decoder: 'identity', sparsity: { kind: 'none' }, k: 16 },
  {
    inputDim: 8,
    hiddenDim: 32,
    encoder: 'sigmoid',
    decoder: 'identity',
    sparsity: { kind: 'l1', weight: 0.01 },
  },
  {
    inputDim: 6,
    hiddenDim: 4,
    encoder: 'relu',
    decoder: 'sigmoid',
    sparsity: { kind: 'kl', rho: 0.1, weight: 1, clamp: true },
  },
];
const SAELENS = [
  {
    d_in: 768,
    d_sae: 24576,
    architecture: 'standard',
    dtype: 'float32',
    normalize_activations: 'none',
    model_name: 'gpt2',
    hook_name: 'blocks.8.hook_resid_pre',
  },
  {
    d_in: 512,
    d_sae: 4096,
    architecture: 'topk',
    activation_fn_kwargs: { k: 32 },
    apply_b_dec_to_input: false,
  },
  { d_in: 16, d_sae: 64, activation_fn_str: 'relu', device: 'cpu' },
];

const text = (doc: unknown) => utf8(JSON.stringify(doc, null, rnd2()));
let spaceToggle = 0;
const rnd2 = () => (spaceToggle++ % 2 ? 2 : undefined);

function seeds(): Uint8Array[] {
  return [...CONFIGS.map((c) => text(configToJson(c))), ...SAELENS.map((d) => text(d))];
}

/** Values that SAELens or a careless edit may put in a field. */
const VALUES = [
  'jumprelu',
  'gated',
  'topk',
  'standard',
  'relu',
  'sigmoid',
  'identity',
  'float16',
  'bfloat16',
  'float32',
  'expected_average_only_in',
  'none',
  'kl',
  'l1',
  'constructor',
  '__proto__',
  'toString',
];

function forge(rng: Rng): Uint8Array {
  const ours = rng.int(2) === 0;
  const doc: Record<string, unknown> = ours
    ? JSON.parse(JSON.stringify(configToJson(pick(rng, CONFIGS))))
    : JSON.parse(JSON.stringify(pick(rng, SAELENS)));
  const target = ours && rng.int(2) === 0 ? (doc.saekit as Record<string, unknown>) : doc;
  const keys =
    ours && target !== doc
      ? ['inputDim', 'hiddenDim', 'encoder', 'decoder', 'k', 'sparsity', 'extra']
      : [
          'd_in',
          'd_sae',
          'architecture',
          'activation_fn_str',
          'dtype',
          'normalize_activations',
          'apply_b_dec_to_input',
          'activation_fn_kwargs',
          'k',
          'saekit',
        ];
  const key = pick(rng, keys);
  switch (rng.int(6)) {
    case 0:
      target[key] = pick(rng, VALUES);
      break;
    case 1:
      target[key] = JSON.parse(pick(rng, WEIRD_NUMBERS));
      break;
    case 2:
      target[key] = rng.int(2) ? { k: JSON.parse(pick(rng, WEIRD_NUMBERS)) } : { kind: pick(rng, VALUES) };
      break;
    case 3:
      delete target[key];
      break;
    case 4: {
      // rename a key by one flipped bit
      const k = Object.keys(doc)[rng.int(Object.keys(doc).length)];
      const i = rng.int(k.length);
      const flipped =
        k.slice(0, i) + String.fromCharCode(k.charCodeAt(i) ^ (1 << rng.int(7))) + k.slice(i + 1);
      const v = doc[k];
      delete doc[k];
      doc[flipped] = v;
      break;
    }
    default: {
      // a duplicate key, or a BOM, in the text
      const t = JSON.stringify(doc);
      const dup = `{"${key}":${JSON.stringify(pick(rng, VALUES))},${t.slice(1)}`;
      return utf8(rng.int(2) === 0 ? dup : `\uFEFF${t}`);
    }
  }
  return text(doc);
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;

/** Levenshtein distance, for "is this key a damaged saekit". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length][b.length];
}

/** The schema, written out independently of core's reader. */
export function referenceCfg(b: Uint8Array): Reading {
  const no = (why: string): Reading => ({ ok: false, why });
  // As readFile(path, 'utf8') decodes: invalid bytes become U+FFFD, a BOM is kept.
  const t = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  const doc = strictParse(t)?.value;
  if (!isObj(doc)) return no('not an object');
  for (const [k, v] of Object.entries(doc))
    if (
      k !== 'saekit' &&
      (distance(k.toLowerCase(), 'saekit') <= 2 || (isObj(v) && ('inputDim' in v || 'hiddenDim' in v)))
    )
      return no('damaged key');
  let c: Record<string, unknown>;
  if ('saekit' in doc) {
    const s = doc.saekit;
    if (!isObj(s)) return no('saekit');
    if (
      Object.keys(s).some(
        (k) => !['inputDim', 'hiddenDim', 'encoder', 'decoder', 'sparsity', 'k'].includes(k),
      )
    )
      return no('field');
    c = s;
    const topk = c.encoder === 'topk';
    const want: Record<string, unknown> = {
      d_in: c.inputDim,
      d_sae: c.hiddenDim,
      architecture: topk ? 'topk' : 'standard',
      activation_fn_str: topk ? 'topk' : c.encoder,
      dtype: 'float32',
      apply_b_dec_to_input: false,
      normalize_activations: 'none',
    };
    for (const [k, v] of Object.entries(want)) if (k in doc && doc[k] !== v) return no(`contradiction ${k}`);
    if (
      'activation_fn_kwargs' in doc &&
      !(topk && canonical(doc.activation_fn_kwargs) === canonical({ k: c.k }))
    )
      return no('kwargs');
  } else {
    if (!('d_in' in doc) && !('d_sae' in doc)) return no('neither');
    const arch = doc.architecture ?? 'standard';
    const act = doc.activation_fn_str ?? (arch === 'topk' ? 'topk' : 'relu');
    if (!['standard', 'topk'].includes(arch as string) || !['relu', 'topk'].includes(act as string))
      return no('unsupported');
    if (arch === 'topk' && act !== 'topk') return no('arch/act');
    if ((doc.normalize_activations ?? 'none') !== 'none') return no('normalize');
    if (!['float32', 'torch.float32'].includes((doc.dtype ?? 'float32') as string)) return no('dtype');
    if ((doc.apply_b_dec_to_input ?? false) !== false) return no('b_dec');
    const kw = doc.activation_fn_kwargs ?? {};
    if (!isObj(kw) || Object.keys(kw).some((k) => k !== 'k')) return no('kwargs');
    if (kw.k !== undefined && doc.k !== undefined && kw.k !== doc.k) return no('k twice');
    const k = kw.k ?? doc.k;
    if (act !== 'topk' && k !== undefined && k !== null) return no('k for relu');
    c = {
      inputDim: doc.d_in,
      hiddenDim: doc.d_sae,
      encoder: act === 'topk' ? 'topk' : 'relu',
      decoder: 'identity',
      sparsity: { kind: 'none' },
      ...(act === 'topk' ? { k } : {}),
    };
  }
  if (!posInt(c.inputDim) || !posInt(c.hiddenDim)) return no('dims');
  if (
    !['relu', 'sigmoid', 'topk'].includes(c.encoder as string) ||
    !['sigmoid', 'identity'].includes(c.decoder as string)
  )
    return no('activations');
  if (c.encoder === 'topk' ? !(posInt(c.k) && (c.k as number) <= (c.hiddenDim as number)) : c.k !== undefined)
    return no('k');
  const s = c.sparsity;
  if (!isObj(s)) return no('sparsity');
  const fields: Record<string, string[]> = {
    kl: ['kind', 'rho', 'weight', 'clamp'],
    l1: ['kind', 'weight'],
    none: ['kind'],
  };
  const allowed = fields[s.kind as string];
  if (!Object.hasOwn(fields, s.kind as string) || Object.keys(s).some((k) => !allowed.includes(k)))
    return no('sparsity fields');
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  if (s.kind === 'kl' && !(num(s.rho) && (s.rho as number) > 0 && (s.rho as number) < 1)) return no('rho');
  if (s.kind === 'kl' && s.clamp !== undefined && typeof s.clamp !== 'boolean') return no('clamp');
  if (s.kind !== 'none' && !(num(s.weight) && (s.weight as number) >= 0)) return no('weight');
  return { ok: true, value: canonical(c) };
}

export const cfgTarget: Target = {
  name: 'cfg',
  seeds,
  forge: (rng) => forge(rng),
  read: async (b) => canonical(configFromText(Buffer.from(b).toString('utf8'), 'fuzz/cfg.json')),
  ownError: (e) => e instanceof CheckpointConfigError,
  reference: referenceCfg,
};
