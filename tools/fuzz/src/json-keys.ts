/**
 * The reference's own duplicate-key test, independent of core's parser: a regular-expression
 * tokenizer that tracks which keys each open object has seen.
 */
const TOKEN = /"(?:[^"\\]|\\.)*"|[{}[\]:,]|[^\s{}[\]:,"]+/g;

export function hasDuplicateKeys(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let prev: string | undefined;
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    if (t === '{') stack.push(new Set());
    else if (t === '[') stack.push(null);
    else if (t === '}' || t === ']') stack.pop();
    else if (t === ':' && prev?.startsWith('"')) {
      const keys = stack[stack.length - 1];
      const key = JSON.parse(prev) as string;
      if (keys?.has(key)) return true;
      keys?.add(key);
    }
    prev = t;
  }
  return false;
}

/** JSON.parse, refusing a BOM and duplicate keys; undefined when refused. */
export function strictParse(text: string): { value: unknown } | undefined {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return hasDuplicateKeys(text) ? undefined : { value };
}

/** A canonical string of a JSON-like value: object keys sorted, NaN and -0 kept apart. */
export function canonical(v: unknown): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (v instanceof Float32Array) return `f32[${Array.from(v, canonical).join(',')}]`;
  if (v instanceof Uint8Array) return `u8[${v.join(',')}]`;
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'undefined';
}
