import type { NamedTensor } from '@saekit/core';

/**
 * The compact form of a golden case: every float32 tensor goes to a safetensors file (F32, exact),
 * everything else stays in a small JSON document (exact, as JSON keeps float64). Joined back, the
 * document is the source's with each such tensor as a flat Float32Array in place of nested lists.
 */
export interface SplitGolden {
  readonly json: Record<string, unknown>;
  readonly tensors: Record<string, NamedTensor>;
}

/** Top-level sections that describe the case rather than hold its numbers; kept as JSON whole. */
const DESCRIPTIVE = new Set(['config', 'optimizer', 'checks']);
const SEP = '.';

/**
 * Whether `v` is a float32 as the source wrote it: exactly (the seed's files hold float64 values
 * that are float32), or as the shortest decimal that reads back as that float32 (the modern files).
 */
export function isFloat32(v: number): boolean {
  const f = Math.fround(v);
  if (f === v) return true;
  if (!Number.isFinite(f)) return false;
  for (let digits = 1; digits <= 9; digits++) {
    const s = Number(f.toPrecision(digits));
    if (Math.fround(s) === f) return s === v;
  }
  return false;
}

/** Shape and row-major values of a rectangular nested list of numbers, else undefined. */
function asTensor(x: unknown[]): { shape: number[]; values: number[] } | undefined {
  const shape: number[] = [];
  for (let a: unknown = x; Array.isArray(a); a = a[0]) {
    if (a.length === 0) return undefined;
    shape.push(a.length);
  }
  const values = x.flat(shape.length) as unknown[];
  if (values.length !== shape.reduce((p, n) => p * n, 1)) return undefined;
  if (!values.every((v) => typeof v === 'number')) return undefined;
  return { shape, values: values as number[] };
}

export function splitGoldenDoc(doc: Record<string, unknown>): SplitGolden {
  const tensors: Record<string, NamedTensor> = {};
  const walk = (o: Record<string, unknown>, path: string[]): Record<string, unknown> => {
    const kept: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) {
      if (k.includes(SEP)) throw new Error(`golden key "${k}" contains "${SEP}"`);
      const at = [...path, k];
      if (path.length === 0 && DESCRIPTIVE.has(k)) kept[k] = v;
      else if (Array.isArray(v)) {
        const t = asTensor(v);
        if (t?.values.every(isFloat32))
          tensors[at.join(SEP)] = { shape: t.shape, data: Float32Array.from(t.values) };
        else kept[k] = v;
      } else if (v !== null && typeof v === 'object') kept[k] = walk(v as Record<string, unknown>, at);
      else kept[k] = v;
    }
    return kept;
  };
  return { json: walk(doc, []), tensors };
}

export function joinGoldenDoc(
  json: Record<string, unknown>,
  tensors: Readonly<Record<string, NamedTensor>>,
): Record<string, unknown> {
  const doc = structuredClone(json);
  for (const [name, t] of Object.entries(tensors)) {
    const path = name.split(SEP);
    let o = doc;
    for (const k of path.slice(0, -1)) {
      if (o[k] === undefined) o[k] = {};
      o = o[k] as Record<string, unknown>;
    }
    o[path[path.length - 1]] = t.data;
  }
  return doc;
}
