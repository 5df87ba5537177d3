/**
 * cfg.json read as a schema. Ours holds SAELens' fields and our full config under `saekit`; the
 * two must agree. A SAELens cfg.json (no `saekit`) loads only when saekit computes that model
 * exactly: settings it does not implement are errors, never dropped.
 */
import { type AnySaeConfig, isModernConfig, type SaeConfig, validateConfig } from '../nn/config.js';
import { ARCHITECTURES, type ModernSaeConfig } from '../nn/modern-config.js';
import { modernConfigToJson } from './cfg-json-modern.js';
import { type JsonValue, parseStrictJson } from './strict-json.js';

/** A cfg.json that is malformed, contradicts itself or asks for what saekit does not support. */
export class CheckpointConfigError extends Error {
  override name = 'CheckpointConfigError';
}

type Obj = { readonly [key: string]: JsonValue | undefined };

const CONFIG_KEYS = new Set(['inputDim', 'hiddenDim', 'encoder', 'decoder', 'sparsity', 'k']);
// A Map, not an object: a kind such as "constructor" must find nothing.
const SPARSITY_KEYS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['kl', new Set(['kind', 'rho', 'weight', 'clamp'])],
  ['l1', new Set(['kind', 'weight'])],
  ['none', new Set(['kind'])],
]);

/** Parses cfg.json text (duplicate keys and a BOM refused) and reads it as configFromDoc does. */
export function configFromText(text: string, source: string): AnySaeConfig {
  let doc: JsonValue;
  try {
    doc = parseStrictJson(text);
  } catch (e) {
    throw new CheckpointConfigError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  return configFromDoc(doc, source);
}

export function configFromDoc(doc: unknown, source: string): AnySaeConfig {
  const fail = (msg: string): never => {
    throw new CheckpointConfigError(`${source}: ${msg}`);
  };
  if (!isObj(doc)) return fail('not a JSON object');
  for (const [key, v] of Object.entries(doc)) {
    // A damaged "saekit" key must not silently hand the file over to the SAELens fields.
    if (key !== 'saekit' && (nearSaekit(key) || (isObj(v) && ('inputDim' in v || 'hiddenDim' in v))))
      fail(`key ${JSON.stringify(key)} looks like a damaged "saekit" key; refusing to guess the model`);
  }
  if ('saekit' in doc) {
    const c = ownConfig(doc.saekit, fail);
    checkAgreement(doc, c, fail);
    return c;
  }
  if (doc.d_in === undefined && doc.d_sae === undefined)
    fail('neither a saekit config (no "saekit" key) nor a SAELens one (no d_in / d_sae)');
  return saeLensConfig(doc, fail);
}

type Fail = (msg: string) => never;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Within two edits of "saekit", ignoring case: one flipped bit changes one character. */
function nearSaekit(key: string): boolean {
  const a = key.toLowerCase();
  const b = 'saekit';
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length] <= 2;
}

function ownConfig(raw: JsonValue | undefined, fail: Fail): AnySaeConfig {
  if (!isObj(raw)) return fail('"saekit" must be an object');
  if (raw.architecture !== undefined) {
    if (!(ARCHITECTURES as readonly unknown[]).includes(raw.architecture))
      fail(
        `saekit.architecture must be one of ${ARCHITECTURES.join(', ')}, got ${JSON.stringify(raw.architecture)}`,
      );
    // validateModernConfig refuses unknown fields and options of another architecture by name.
    return validated(raw as unknown as ModernSaeConfig, fail);
  }
  for (const k of Object.keys(raw)) if (!CONFIG_KEYS.has(k)) fail(`saekit: unknown field "${k}"`);
  const s = raw.sparsity;
  const allowed = isObj(s) && typeof s.kind === 'string' ? SPARSITY_KEYS.get(s.kind) : undefined;
  if (!allowed) return fail('saekit.sparsity must be an object with kind kl, l1 or none');
  for (const k of Object.keys(s as Obj)) if (!allowed.has(k)) fail(`saekit.sparsity: unknown field "${k}"`);
  if (raw.k !== undefined && raw.encoder !== 'topk')
    fail(
      `saekit: k=${JSON.stringify(raw.k)} given for the ${JSON.stringify(raw.encoder)} encoder (only topk has k)`,
    );
  return validated(raw as unknown as SaeConfig, fail);
}

function validated<C extends AnySaeConfig>(c: C, fail: Fail): C {
  try {
    return validateConfig(c);
  } catch (e) {
    return fail((e as Error).message);
  }
}

/** The cfg.json document: SAELens' fields, and ours in full under `saekit`. */
export function configToJson(c: AnySaeConfig): Record<string, unknown> {
  if (isModernConfig(c)) return { ...modernConfigToJson(c), saekit: c };
  return {
    architecture: c.encoder === 'topk' ? 'topk' : 'standard',
    d_in: c.inputDim,
    d_sae: c.hiddenDim,
    dtype: 'float32',
    activation_fn_str: c.encoder === 'topk' ? 'topk' : c.encoder,
    ...(c.encoder === 'topk' ? { activation_fn_kwargs: { k: c.k } } : {}),
    apply_b_dec_to_input: false,
    normalize_activations: 'none',
    saekit: c,
  };
}

/** SAELens fields beside `saekit` must be what configToJson writes for it, when present. */
function checkAgreement(doc: Obj, c: AnySaeConfig, fail: Fail): void {
  const written = configToJson(c);
  const modern = isModernConfig(c);
  for (const [k, v] of Object.entries(doc)) {
    if (k === 'saekit' || v === undefined) continue;
    const want = written[k];
    if (
      (k in written || k === 'activation_fn_kwargs' || (modern && MODERN_KEYS.has(k))) &&
      JSON.stringify(v) !== JSON.stringify(want)
    )
      fail(`${k}=${JSON.stringify(v)} contradicts saekit's config (${JSON.stringify(want) ?? 'absent'})`);
  }
}

/** SAELens fields a modern config writes when set: present without it, they contradict it. */
const MODERN_KEYS = new Set([
  'k',
  'l1_coefficient',
  'l0_coefficient',
  'jumprelu_bandwidth',
  'jumprelu_init_threshold',
  'topk_threshold_lr',
  'matryoshka_widths',
]);

function saeLensConfig(doc: Obj, fail: Fail): SaeConfig {
  const unsupported = (what: string): never => fail(`${what} is not supported by saekit (yet)`);
  const arch = doc.architecture ?? 'standard';
  if (arch !== 'standard' && arch !== 'topk') unsupported(`architecture ${JSON.stringify(arch)}`);
  const act = doc.activation_fn_str ?? (arch === 'topk' ? 'topk' : 'relu');
  if (act !== 'relu' && act !== 'topk') unsupported(`activation_fn_str ${JSON.stringify(act)}`);
  if (arch === 'topk' && act !== 'topk')
    fail(`architecture "topk" with activation_fn_str ${JSON.stringify(act)}`);
  const norm = doc.normalize_activations ?? 'none';
  if (norm !== 'none') unsupported(`normalize_activations ${JSON.stringify(norm)}`);
  const dtype = doc.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'torch.float32') unsupported(`dtype ${JSON.stringify(dtype)}`);
  // null, as Python writes None, means unset here as in every other field.
  if ((doc.apply_b_dec_to_input ?? false) !== false) {
    unsupported(
      `apply_b_dec_to_input=${JSON.stringify(doc.apply_b_dec_to_input)} (saekit's encoder does not subtract b_dec)`,
    );
  }
  const kwargs = doc.activation_fn_kwargs ?? {};
  if (!isObj(kwargs)) return fail('activation_fn_kwargs must be an object');
  for (const k of Object.keys(kwargs)) if (k !== 'k') unsupported(`activation_fn_kwargs.${k}`);
  const topk = act === 'topk';
  if (kwargs.k !== undefined && doc.k !== undefined && kwargs.k !== doc.k)
    fail(`k=${JSON.stringify(doc.k)} contradicts activation_fn_kwargs.k=${JSON.stringify(kwargs.k)}`);
  const k = kwargs.k ?? doc.k;
  if (!topk && k !== undefined && k !== null)
    fail(`k=${JSON.stringify(k)} given for a ReLU SAE (only topk has k)`);
  if (typeof doc.d_in !== 'number' || typeof doc.d_sae !== 'number')
    fail('d_in and d_sae must both be numbers');
  return validated(
    {
      inputDim: doc.d_in as number,
      hiddenDim: doc.d_sae as number,
      encoder: topk ? 'topk' : 'relu',
      decoder: 'identity',
      sparsity: { kind: 'none' },
      ...(topk ? { k: k as number } : {}),
    },
    fail,
  );
}
