/**
 * What a saekit model is, checked before onnxruntime sees it: the config from the metadata must
 * agree with the weights' shapes in the graph, every weight must be finite, and the graph must be
 * the one this saekit exports for that config (same ops, attributes, wiring and constants) — so a
 * flipped op (Relu -> Selu), control flow (Loop, If) or a forged size in the metadata is refused
 * with the reason, instead of running or sizing buffers from it.
 */
import {
  type AnySaeConfig,
  paramNamesOf,
  paramShapes,
  parseStrictJson,
  type SaeParams,
  validateConfig,
} from '@saekit/core';
import { NotASaeModelError } from './errors.js';
import { decodeModel, exportGraph, exportSae, METADATA_KEYS, metadataValue, type SaePart } from './export.js';
import { SUPPORTED_OPSETS } from './opset.js';
import { readFloatTensor } from './proto/tensor.js';
import {
  AttributeType,
  DataType,
  type GraphProto,
  type ModelProto,
  type TensorProto,
} from './proto/types.js';

export interface CheckedSaeModel {
  readonly config: AnySaeConfig;
  readonly part: SaePart;
  readonly opset: number;
  /** The weights, read from the graph's initializers. */
  readonly params: Partial<SaeParams>;
}

/** Ops that run a subgraph: never part of a saekit export, and able to run without end. */
const DEFAULT_DOMAIN = new Set(['', 'ai.onnx']);
const CONTROL_FLOW = new Set(['Loop', 'If', 'Scan', 'SequenceMap']);

/**
 * @throws NotASaeModelError naming `source` and the first thing that is not what saekit exports
 */
export function checkSaeModel(model: ModelProto, source: string): CheckedSaeModel {
  const fail = (msg: string, cause?: unknown): never => {
    throw new NotASaeModelError(source, msg, cause === undefined ? undefined : { cause });
  };
  const raw = metadataValue(model, METADATA_KEYS.config);
  if (raw === undefined) return fail(`no "${METADATA_KEYS.config}" in metadata_props`);
  let config: AnySaeConfig;
  try {
    config = validateConfig(parseStrictJson(raw) as unknown as AnySaeConfig);
  } catch (e) {
    return fail(`bad "${METADATA_KEYS.config}": ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const part = metadataValue(model, METADATA_KEYS.part) ?? 'encoder';
  if (part !== 'encoder' && part !== 'autoencoder') return fail(`unknown part "${part}"`);
  const imports = model.opset_import ?? [];
  if (imports.length !== 1 || !DEFAULT_DOMAIN.has(imports[0].domain ?? ''))
    fail(
      `imports opsets ${imports.map((o) => `${o.domain || 'ai.onnx'}:${o.version}`).join(', ')}; saekit uses ai.onnx only`,
    );
  const opset = imports[0].version ?? 0;
  if (!SUPPORTED_OPSETS.includes(opset))
    fail(`opset ${opset} is not one saekit exports (${SUPPORTED_OPSETS.join(', ')})`);
  const graph = model.graph as GraphProto;
  for (const n of graph.node ?? []) {
    if (
      CONTROL_FLOW.has(n.op_type ?? '') ||
      (n.attribute ?? []).some((a) => a.g || a.type === AttributeType.GRAPH)
    )
      fail(
        `node ${n.op_type}: control flow (a subgraph) is never part of a saekit model and may not terminate`,
      );
    if (!DEFAULT_DOMAIN.has(n.domain ?? ''))
      fail(`node ${n.op_type} is in domain "${n.domain}"; saekit uses ai.onnx only`);
  }
  const params = readParams(graph, config, fail);
  const names = paramNamesOf(config);
  // The encoder reads W_enc, b_enc and what the architecture adds (b_dec first, its threshold).
  const needed =
    part === 'encoder' ? names.filter((n) => exportGraph(config, 'encoder').inputs.has(n)) : names;
  const missing = needed.filter((n) => !params[n as keyof SaeParams]);
  if (missing.length) fail(`no initializer ${missing.join(', ')}`);
  // An encoder has no decoder weights; the export only checks their sizes, never writes them.
  const full = { W_dec: params.W_enc, b_dec: new Float32Array(config.inputDim), ...params } as SaeParams;
  let expected: ModelProto;
  try {
    expected = decodeModel(exportSae(config, full, { part, opset }), '<expected>');
  } catch (e) {
    return fail(`saekit cannot export its config: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  const diff = graphDifference(graph, expected.graph as GraphProto, new Set<string>(names));
  if (diff) fail(`its graph is not what saekit exports for its config: ${diff}`);
  return { config, part, opset, params };
}

/** The weights, with shapes from the graph checked against the config before any is read. */
function readParams(graph: GraphProto, c: AnySaeConfig, fail: (m: string) => never): Partial<SaeParams> {
  const shapes = paramShapes(c) as Record<string, number[]>;
  const names: readonly string[] = paramNamesOf(c);
  const params: Partial<SaeParams> = {};
  for (const t of graph.initializer ?? []) {
    const name = t.name as keyof SaeParams;
    if (!names.includes(name)) continue;
    const dims = t.dims ?? [];
    if (dims.join(',') !== shapes[name].join(',')) {
      fail(
        `initializer "${name}" has shape [${dims}], the config in the metadata says [${shapes[name]}] (inputDim ${c.inputDim}, hiddenDim ${c.hiddenDim})`,
      );
    }
    if (t.data_type !== DataType.FLOAT)
      fail(`initializer "${name}" has data_type ${t.data_type}, not FLOAT (1)`);
    const n = dims.reduce((a, b) => a * b, 1);
    const held = t.raw_data?.length ? t.raw_data.length / 4 : (t.float_data?.length ?? 0);
    if (held !== n) fail(`initializer "${name}" [${dims}] holds ${held} values, not ${n}`);
    const data = readFloatTensor(t);
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) fail(`initializer "${name}" holds ${data[bad]} at index ${bad}; weights must be finite`);
    params[name] = data;
  }
  return params;
}

/**
 * The first difference between two graphs, up to the names of intermediate values (mapped in
 * order of appearance); `free` initializers (the weights) may differ in values, not in shape.
 */
function graphDifference(got: GraphProto, want: GraphProto, free: ReadonlySet<string>): string | undefined {
  const inits = (g: GraphProto) => new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const gi = inits(got);
  const wi = inits(want);
  const names = (m: Map<string, TensorProto>) => [...m.keys()].sort().join(', ');
  if (names(gi) !== names(wi)) return `initializers ${names(gi)}, expected ${names(wi)}`;
  for (const [name, w] of wi) {
    if (!free.has(name) && !sameTensor(gi.get(name) as TensorProto, w)) return `constant "${name}" differs`;
  }
  const io = (vs: GraphProto['input']) => JSON.stringify((vs ?? []).map((v) => [v.name, v.type]));
  if (io(got.input) !== io(want.input)) return `inputs ${io(got.input)}, expected ${io(want.input)}`;
  if (io(got.output) !== io(want.output)) return `outputs ${io(got.output)}, expected ${io(want.output)}`;
  const gn = got.node ?? [];
  const wn = want.node ?? [];
  if (gn.length !== wn.length) return `${gn.length} nodes, expected ${wn.length}`;
  const fixed = new Set([...wi.keys(), ...(want.input ?? []).map((v) => v.name ?? '')]);
  const outputs = new Set((want.output ?? []).map((v) => v.name ?? ''));
  const rename = new Map<string, string>();
  const mapped = (s: string) => (fixed.has(s) || outputs.has(s) ? s : (rename.get(s) ?? `?${s}`));
  for (let i = 0; i < wn.length; i++) {
    const [g, w] = [gn[i], wn[i]];
    const at = `node ${i}`;
    if (g.op_type !== w.op_type) return `${at} is ${g.op_type} where saekit has ${w.op_type}`;
    const gIn = (g.input ?? []).map(mapped);
    if (gIn.join() !== (w.input ?? []).join()) return `${at} (${g.op_type}) reads other values than saekit's`;
    const gOut = g.output ?? [];
    const wOut = w.output ?? [];
    if (gOut.length !== wOut.length)
      return `${at} (${g.op_type}) has ${gOut.length} outputs, expected ${wOut.length}`;
    for (let j = 0; j < wOut.length; j++) {
      if (outputs.has(wOut[j]) ? gOut[j] !== wOut[j] : outputs.has(gOut[j]))
        return `${at} (${g.op_type}) writes other values than saekit's`;
      if (rename.has(gOut[j]) || fixed.has(gOut[j])) return `${at} (${g.op_type}) writes a value twice`;
      rename.set(gOut[j], wOut[j]);
    }
    if (attributes(g) !== attributes(w)) return `${at} (${g.op_type}) has other attributes than saekit's`;
  }
  return undefined;
}

function attributes(n: { attribute?: { name?: string }[] }): string {
  return JSON.stringify((n.attribute ?? []).map((a) => [a.name, canonical(a)]).sort());
}

function canonical(v: unknown): unknown {
  if (v instanceof Uint8Array) return [...v];
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object')
    return Object.entries(v)
      .sort()
      .map(([k, x]) => [k, canonical(x)]);
  return v;
}

function sameTensor(a: TensorProto, b: TensorProto): boolean {
  const ra = a.raw_data ?? new Uint8Array(0);
  const rb = b.raw_data ?? new Uint8Array(0);
  if (ra.length !== rb.length || ra.some((x, i) => x !== rb[i])) return false;
  const rest = (t: TensorProto) => JSON.stringify(canonical({ ...t, name: '', raw_data: undefined }));
  return rest(a) === rest(b);
}
